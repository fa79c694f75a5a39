/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMBus device a Hyper-V guest's hv_vmbus binds to, for the test
 * kernel under QEMU: _HID "VMBUS" (iasl refuses a 5-character string _HID,
 * a method returning it is accepted) and the MMIO window that
 * vmbus_allocate_mmio() hands out from, sized by the offers'
 * mmio_megabytes.  Passed to QEMU with -acpitable.
 */
DefinitionBlock ("vmbus.aml", "SSDT", 2, "VMBSRV", "LOOPBACK", 1)
{
    Scope (\_SB)
    {
        Device (VMBS)
        {
            Method (_HID, 0, NotSerialized)
            {
                Return ("VMBUS")
            }

            Name (_UID, Zero)

            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }

            /* 1 GiB at 64 GiB, far above the guest's RAM. */
            Name (_CRS, ResourceTemplate ()
            {
                QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite,
                    0x0000000000000000,
                    0x0000001000000000,
                    0x000000103FFFFFFF,
                    0x0000000000000000,
                    0x0000000040000000)
            })
        }
    }
}
