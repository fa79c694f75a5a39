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

            /*
             * 64 MiB of the guest's RAM at 1.75 GiB, which the kernel
             * command line takes out of use (memmap=64M$0x70000000): the
             * VRAM hyperv_drm places here is memory the loopback
             * transport can map for the host, as a VMM's memory table
             * backs the window of a real VM.
             */
            Name (_CRS, ResourceTemplate ()
            {
                QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite,
                    0x0000000000000000,
                    0x0000000070000000,
                    0x0000000073FFFFFF,
                    0x0000000000000000,
                    0x0000000004000000)
            })
        }
    }
}
