/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbus-vmm: a VMM and a played guest in one process, driving
 * /dev/vmbus_server.  Shared declarations of vmm.c (the char-device side),
 * guest.c (the guest's VMBus driver), scenarios.c and main.c.
 *
 * Wire facts come from the project's VMBUS.md (section numbers below).
 */
#ifndef VMBUS_VMM_H
#define VMBUS_VMM_H

#include <endian.h>
#include <string.h>

#include <linux/vmbus_server.h>

#include "report.h"
#include "ring.h"

#define PAGE_SIZE		4096u
#define PAGE_SHIFT		12

/* Where and how big the played guest's memory is: any page-aligned GPA. */
#define GUEST_MEM_GPA		0x100000000ull
#define GUEST_MEM_SIZE		(16u << 20)

/* VMBUS.md 3: SynIC message type and SINT of VMBus, VP the guest uses. */
#define HV_MSG_VMBUS		1
#define VMBUS_SINT		2
#define GUEST_VP		0

/* VMBUS.md 3: the connection ids of INITIATE_CONTACT. */
#define CONN_ID_LEGACY		1	/* protocol < 5.0 */
#define CONN_ID_CONTACT		4	/* protocol >= 5.0 */

#define VMBUS_VERSION(maj, min)	((uint32_t)(maj) << 16 | (min))

/* VMBUS.md 5: channel message types. */
enum {
	MSG_OFFERCHANNEL = 1,
	MSG_RESCIND = 2,
	MSG_REQUESTOFFERS = 3,
	MSG_ALLOFFERS_DELIVERED = 4,
	MSG_OPENCHANNEL = 5,
	MSG_OPENCHANNEL_RESULT = 6,
	MSG_CLOSECHANNEL = 7,
	MSG_GPADL_HEADER = 8,
	MSG_GPADL_BODY = 9,
	MSG_GPADL_CREATED = 10,
	MSG_GPADL_TEARDOWN = 11,
	MSG_GPADL_TORNDOWN = 12,
	MSG_RELID_RELEASED = 13,
	MSG_INITIATE_CONTACT = 14,
	MSG_VERSION_RESPONSE = 15,
	MSG_UNLOAD = 16,
	MSG_UNLOAD_RESPONSE = 17,
	MSG_TL_CONNECT_RESULT = 23,
	MSG_MODIFYCHANNEL_RESPONSE = 24,
};

/* VMBUS.md 5: PFNs a GPADL_HEADER and a GPADL_BODY carry at most. */
#define GPADL_HEADER_PFNS	26
#define GPADL_BODY_PFNS		28
/* Linux's first GPADL handle (VMBUS.md 10). */
#define GPADL_FIRST		0xE1E10

/* The sample device class (drivers/vmbus_server_sample). */
#define SAMPLE_MMIO_DEFAULT	8
#define SAMPLE_MMIO_OPT_DEFAULT	16
#define SAMPLE_REQ_SIZE		20
#define SAMPLE_RESP_SIZE	22
#define SAMPLE_VERSION(maj, min) ((uint32_t)(min) << 16 | (maj))
/* VMBS_DEVICE_CONTROL of the sample: requests, accepted, malformed, failed */
#define SAMPLE_CONTROL_STATS	1
#define SAMPLE_STATS_SIZE	16
extern const uint8_t sample_type[16];

/* Little-endian fields at byte offsets: messages are packed. */
static inline void put16(void *p, size_t off, uint16_t v)
{
	v = htole16(v);
	memcpy((uint8_t *)p + off, &v, sizeof(v));
}

static inline void put32(void *p, size_t off, uint32_t v)
{
	v = htole32(v);
	memcpy((uint8_t *)p + off, &v, sizeof(v));
}

static inline void put64(void *p, size_t off, uint64_t v)
{
	v = htole64(v);
	memcpy((uint8_t *)p + off, &v, sizeof(v));
}

static inline uint16_t get16(const void *p, size_t off)
{
	uint16_t v;

	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return le16toh(v);
}

static inline uint32_t get32(const void *p, size_t off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return le32toh(v);
}

static inline uint64_t get64(const void *p, size_t off)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return le64toh(v);
}

/* A channel offer, as the guest read it (VMBUS.md 6). */
struct offer {
	uint8_t type[16];
	uint8_t instance[16];
	uint16_t chn_flags;
	uint16_t mmio_mb;
	uint16_t mmio_opt_mb;
	uint16_t sub_index;
	uint32_t relid;
	uint32_t conn_id;
	uint8_t monitor_id;
	uint8_t monitor_allocated;
	uint16_t dedicated_interrupt;
	bool rescinded;
};

#define MAX_OFFERS		64
#define BACKLOG_MAX		1024

/* One VM: the VMM's state and its played guest's. */
struct vm {
	const char *name;
	int fd;
	/* Guest memory: one memfd region, pages handed out from the bottom. */
	int memfd;
	uint8_t *mem;
	uint64_t mem_gpa;
	uint64_t mem_size;
	uint32_t next_page;
	/* SynIC of VP 0: event-flags page and the SINT's irqfd. */
	uint64_t event_gpa;
	int irqfd;

	/* The played guest's VMBus state. */
	uint32_t version;
	uint32_t msg_conn_id;
	uint32_t next_gpadl;
	struct offer offers[MAX_OFFERS];
	unsigned int noffers;
	/* Host messages read while posting (EAGAIN), for later waiters. */
	struct vmbs_host_msg *backlog;
	unsigned int backlog_head;
	unsigned int backlog_len;
	/* Version requests exchange() sent, and answers "accepted". */
	uint64_t requests;
	uint64_t accepted;
};

/* An open channel of the played guest. */
struct chan {
	uint32_t relid;
	uint32_t conn_id;
	uint32_t gpadl;
	int kickfd;
	uint64_t ring_gpa;
	uint32_t out_pages;
	uint32_t in_pages;
	struct ring out;	/* guest -> host, GPADL page 0 */
	struct ring in;		/* host -> guest */
	uint64_t trans_id;
	uint64_t next_ask;	/* index of the next request (guest.c) */
	uint32_t gpadl_status;	/* of GPADL_CREATED */
	uint32_t open_status;	/* of OPENCHANNEL_RESULT */
	bool gpadl_live;
	bool open;
};

/* What a packet exchange saw (guest.c). */
struct xstats {
	uint64_t sent;
	uint64_t answered;
	uint64_t accepted;
	uint64_t refused;
	uint64_t bad;
	uint64_t kicks;
	uint64_t irqs;
	uint64_t spurious;
	uint64_t out_full;
	uint64_t pending_kicks;
	unsigned int max_outputs;
};

/*
 * faults.c: the calls of vmm.c whose allocations the faults scenario fails
 * (through the thread's fail-nth); each call is bracketed by
 * fault_begin() and fault_end() with its return value.  Posts are told
 * apart by message type.
 */
enum vmm_call {
	CALL_OPEN,
	CALL_MEM_TABLE,
	CALL_SYNIC,
	CALL_ADD_DEVICE,
	CALL_POST,
	CALL_KICK,
	CALL_CONTROL,
	CALL_LIST,
	CALL_REMOVE_DEVICE,
	CALL_CLOSE,
};

void fault_begin(enum vmm_call call, uint32_t key);
void fault_end(long ret);

/* vmm.c: the char-device side. */
struct vm *vm_open(const char *name);
int vm_set_memory(struct vm *vm);
int vm_set_synic(struct vm *vm);
struct vm *vm_create(const char *name);
void vm_free(struct vm *vm);
int vm_close_fd(struct vm *vm);
uint64_t vm_alloc_pages(struct vm *vm, uint32_t n);
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len);
int vm_add_sample(struct vm *vm, const uint8_t instance[16]);
int vm_remove_device(struct vm *vm, const uint8_t instance[16]);
int vm_control(struct vm *vm, const uint8_t instance[16], uint32_t op,
	       const void *in, uint32_t in_size, void *out,
	       uint32_t *out_size);
int vm_list(struct vm *vm, struct vmbs_device_info *out, unsigned int max,
	    bool print);
int vm_set_kick(struct vm *vm, uint32_t conn_id, int fd);
int vm_write_msg(struct vm *vm, uint32_t conn_id, const void *payload,
		 uint32_t len);
int vm_read_msg(struct vm *vm, struct vmbs_host_msg *m, int timeout_ms);
int vm_wait_event(struct vm *vm, uint32_t relid, int timeout_ms, bool *bit);
unsigned int vm_stray_event_bits(struct vm *vm, uint32_t relid);
int new_eventfd(void);
long pinned_kb(void);

/* guest.c: the played guest's VMBus driver. */
int guest_post(struct vm *vm, const void *msg, uint32_t len);
int guest_recv(struct vm *vm, struct vmbs_host_msg *m, int timeout_ms);
int guest_wait(struct vm *vm, uint32_t type, int key_off, uint32_t key,
	       uint8_t *out);
void guest_reboot(struct vm *vm);
int guest_connect(struct vm *vm, uint32_t version);
int guest_request_offers(struct vm *vm);
void guest_parse_offer(const uint8_t *p, struct offer *o);
void guest_print_offer(struct vm *vm, const struct offer *o);
struct offer *guest_find_offer(struct vm *vm, const uint8_t type[16],
			       const uint8_t instance[16]);
uint32_t gpadl_header(uint8_t *msg, uint32_t relid, uint32_t gpadl,
		      const uint64_t *pfns, uint32_t n);
int guest_gpadl_create(struct vm *vm, uint32_t relid, const uint64_t *pfns,
		       uint32_t n, uint32_t *gpadl, uint32_t *status);
int guest_gpadl_teardown(struct vm *vm, uint32_t relid, uint32_t gpadl);
int guest_open(struct vm *vm, struct chan *ch, const struct offer *o,
	       const uint64_t *bad_pfns);
int guest_close(struct vm *vm, struct chan *ch);
int guest_remove_and_release(struct vm *vm, const uint8_t instance[16],
			     uint32_t relid);
int guest_unload(struct vm *vm);
int guest_exchange(struct vm *vm, struct chan *ch, uint64_t count,
		   uint32_t window, struct xstats *st);
void guest_print_stats(const char *what, const struct xstats *st);

/* scenarios.c: steps the scenarios share */
struct vm *bring_up(const char *name, const uint8_t inst[][16],
		    unsigned int n);
bool tear_down(struct vm *vm, const uint8_t inst[][16], unsigned int n);

/* scenarios.c, faults.c and selftest.c */
int scenario_run(void);
int scenario_traffic(void);
int scenario_two_vms(void);
int scenario_no_release(void);
int scenario_stop_reading(void);
int scenario_bad_ioctls(void);
int scenario_outside_table(void);
int scenario_munmap_open(void);
int scenario_reset(void);
int scenario_memlock(void);
int scenario_cycles(void);
int scenario_faults(void);
int scenario_selftest(void);

#endif /* VMBUS_VMM_H */
