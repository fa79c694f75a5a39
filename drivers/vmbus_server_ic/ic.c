// SPDX-License-Identifier: GPL-2.0
/*
 * One integration service channel: offered for a device, negotiated when
 * the guest opens it, then one request at a time.
 *
 * Nothing here waits for the guest.  A request is sent and the caller
 * returns; the guest's answer arrives in the channel's data work, is
 * copied out of the ring, checked against the one pending request (type,
 * transaction id, response flag) and handed to the service; a request the
 * guest leaves unanswered is ended by a timeout work.  Packets that answer
 * nothing pending are counted and dropped with a rate-limited line: a
 * hostile or broken guest costs only its own service.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/vmbus_server.h>

#include "ic.h"

/* The framework versions the host offers, best first. */
static const u32 vmb_ic_fw_versions[] = {
	VMB_IC_VERSION(3, 0),
	VMB_IC_VERSION(1, 0),
};

static void vmb_ic_put_version(struct vmb_ic_version *v, u32 version)
{
	v->major = cpu_to_le16(version >> 16);
	v->minor = cpu_to_le16(version & 0xffff);
}

static u32 vmb_ic_get_version(const struct vmb_ic_version *v)
{
	return VMB_IC_VERSION(le16_to_cpu(v->major), le16_to_cpu(v->minor));
}

/* Headers of a request of @type with @len bytes of body into @msg. */
static void vmb_ic_headers(struct vmb_ic *ic, u8 *msg, u16 type, u32 len,
			   u8 txid)
{
	struct vmb_ic_pipe_hdr *pipe = (void *)msg;
	struct vmb_ic_hdr *hdr = (void *)(pipe + 1);

	lockdep_assert_held(&ic->lock);
	memset(msg, 0, VMB_IC_HDR_LEN);
	pipe->msgsize = cpu_to_le32(sizeof(*hdr) + len);
	vmb_ic_put_version(&hdr->frame, ic->fw_version);
	vmb_ic_put_version(&hdr->msg, ic->srv_version);
	hdr->type = cpu_to_le16(type);
	hdr->size = cpu_to_le16(len);
	hdr->txid = txid;
	hdr->flags = VMB_IC_FLAG_TRANSACTION | VMB_IC_FLAG_REQUEST;
}

/* Send while the caller made the request pending; undone on failure. */
static int vmb_ic_send(struct vmb_ic *ic, u16 type, const void *body,
		       u32 len, bool negotiation)
{
	u8 *msg;
	int ret;

	if (len > VMB_IC_MSG_MAX - VMB_IC_HDR_LEN)
		return -EINVAL;
	msg = kmalloc(VMB_IC_HDR_LEN + len, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	spin_lock_bh(&ic->lock);
	if (ic->pending || ic->answering || (!ic->ready && !negotiation)) {
		ret = ic->ready || negotiation ? -EBUSY : -ENOTCONN;
		spin_unlock_bh(&ic->lock);
		kfree(msg);
		return ret;
	}
	ic->pending = true;
	ic->deadline = jiffies + VMB_IC_ANSWER_TIMEOUT;
	ic->pending_type = type;
	ic->pending_txid = ic->next_txid++;
	ic->counts.requests++;
	vmb_ic_headers(ic, msg, type, len, ic->pending_txid);
	spin_unlock_bh(&ic->lock);
	memcpy(msg + VMB_IC_HDR_LEN, body, len);

	/* Never sleeps; a full ring queues it (bounded by the server). */
	ret = vmb_server_packet_send(ic->channel, msg, VMB_IC_HDR_LEN + len,
				     VMB_SERVER_SEND_QUEUE, NULL, NULL);
	kfree(msg);
	spin_lock_bh(&ic->lock);
	if (ret) {
		ic->pending = false;
		ic->counts.requests--;
	}
	spin_unlock_bh(&ic->lock);
	if (!ret)
		mod_delayed_work(system_wq, &ic->timeout_work,
				 VMB_IC_ANSWER_TIMEOUT);
	return ret;
}

/**
 * vmb_ic_request() - send the guest a request of the service
 * @ic: the service channel
 * @type: VMB_IC_MSG_*
 * @body: what follows the headers
 * @len: its length
 *
 * Return: 0 once sent (the answer comes to the service's @answer, or
 * never: a timeout ends it); -ENOTCONN before the guest negotiated;
 * -EBUSY while another request waits; -EINVAL for a body too long; or the
 * server's error.
 */
int vmb_ic_request(struct vmb_ic *ic, u16 type, const void *body, u32 len)
{
	return vmb_ic_send(ic, type, body, len, false);
}

/* The host's offer: every framework and service version it speaks. */
static void vmb_ic_start_work(struct work_struct *work)
{
	struct vmb_ic *ic = container_of(work, struct vmb_ic, start_work);
	unsigned int nfw = ARRAY_SIZE(vmb_ic_fw_versions);
	unsigned int n = nfw + ic->svc->nr_versions, i;
	struct vmb_ic_negotiate *neg;
	u32 len = sizeof(*neg) + n * sizeof(neg->versions[0]);
	int ret;

	neg = kzalloc(len, GFP_KERNEL);
	if (!neg)
		return;
	neg->frame_count = cpu_to_le16(nfw);
	neg->msg_count = cpu_to_le16(ic->svc->nr_versions);
	for (i = 0; i < n; i++)
		vmb_ic_put_version(&neg->versions[i], i < nfw ?
				   vmb_ic_fw_versions[i] :
				   ic->svc->versions[i - nfw]);
	ret = vmb_ic_send(ic, VMB_IC_MSG_NEGOTIATE, neg, len, true);
	if (ret)
		pr_warn_ratelimited("%s: negotiation not sent: %d\n",
				    ic->svc->name, ret);
	kfree(neg);
}

static bool vmb_ic_offered(u32 version, const u32 *list, unsigned int n)
{
	while (n--)
		if (list[n] == version)
			return true;
	return false;
}

/* The guest's choice: one framework and one service version we offered. */
static bool vmb_ic_negotiated(struct vmb_ic *ic, const u8 *msg, u32 len)
{
	const struct vmb_ic_negotiate *neg = (const void *)(msg +
							    VMB_IC_HDR_LEN);
	u32 fw, srv;

	if (len < VMB_IC_HDR_LEN + sizeof(*neg) + 2 * sizeof(neg->versions[0]) ||
	    le16_to_cpu(neg->frame_count) != 1 ||
	    le16_to_cpu(neg->msg_count) != 1)
		return false;
	fw = vmb_ic_get_version(&neg->versions[0]);
	srv = vmb_ic_get_version(&neg->versions[1]);
	if (!vmb_ic_offered(fw, vmb_ic_fw_versions,
			    ARRAY_SIZE(vmb_ic_fw_versions)) ||
	    !vmb_ic_offered(srv, ic->svc->versions, ic->svc->nr_versions))
		return false;
	spin_lock_bh(&ic->lock);
	ic->fw_version = fw;
	ic->srv_version = srv;
	ic->ready = true;
	spin_unlock_bh(&ic->lock);
	pr_info("%s: negotiated framework %u.%u, service %u.%u\n",
		ic->svc->name, fw >> 16, fw & 0xffff, srv >> 16,
		srv & 0xffff);
	return true;
}

/*
 * The guest's packets.  The ring is the guest's to write at any time:
 * copy first, then check the copy; the packet is given back at once.
 */
static void vmb_ic_process_packet(struct vmb_channel *channel,
				  struct vmb_server_packet *packet,
				  const void *data, u32 len)
{
	struct vmb_ic *ic = vmb_server_channel_context(channel);
	const struct vmb_ic_hdr *hdr;
	bool match;
	u16 type;
	u8 *msg;

	if (len < VMB_IC_HDR_LEN || len > VMB_IC_MSG_MAX) {
		vmb_server_packet_complete(packet, NULL, 0);
		goto reject;
	}
	msg = kmemdup(data, len, GFP_KERNEL);
	vmb_server_packet_complete(packet, NULL, 0);
	if (!msg)
		goto reject;
	hdr = (const void *)(msg + sizeof(struct vmb_ic_pipe_hdr));
	type = le16_to_cpu(hdr->type);

	spin_lock_bh(&ic->lock);
	match = ic->pending && type == ic->pending_type &&
		hdr->txid == ic->pending_txid &&
		(hdr->flags & VMB_IC_FLAG_RESPONSE);
	if (match) {
		ic->pending = false;
		ic->answering = type != VMB_IC_MSG_NEGOTIATE;
		ic->counts.answers++;
	}
	spin_unlock_bh(&ic->lock);
	if (!match) {
		kfree(msg);
		goto reject;
	}
	cancel_delayed_work(&ic->timeout_work);

	if (type != VMB_IC_MSG_NEGOTIATE) {
		ic->svc->answer(ic, type, msg, len);
		spin_lock_bh(&ic->lock);
		ic->answering = false;
		spin_unlock_bh(&ic->lock);
	} else if (vmb_ic_negotiated(ic, msg, len)) {
		ic->svc->ready(ic);
	} else {
		pr_warn_ratelimited("%s: the guest speaks none of our versions\n",
				    ic->svc->name);
	}
	kfree(msg);
	return;

reject:
	spin_lock_bh(&ic->lock);
	ic->counts.rejected++;
	spin_unlock_bh(&ic->lock);
	pr_warn_ratelimited("%s: %u-byte packet answers nothing pending: dropped\n",
			    ic->svc->name, len);
}

static void vmb_ic_timeout_work(struct work_struct *work)
{
	struct vmb_ic *ic = container_of(to_delayed_work(work), struct vmb_ic,
					 timeout_work);
	bool expired;

	/*
	 * Armed after the send, it may run for a request answered since, or
	 * for the next one: only a request past its own deadline expires.
	 */
	spin_lock_bh(&ic->lock);
	expired = ic->pending && time_after_eq(jiffies, ic->deadline);
	if (expired) {
		ic->pending = false;
		ic->counts.timeouts++;
	} else if (ic->pending) {
		mod_delayed_work(system_wq, &ic->timeout_work,
				 ic->deadline - jiffies);
	}
	spin_unlock_bh(&ic->lock);
	if (expired)
		pr_warn_ratelimited("%s: the guest did not answer in time\n",
				    ic->svc->name);
}

static const struct vmb_server_packet_callbacks vmb_ic_packet_callbacks = {
	.process_packet = vmb_ic_process_packet,
};

static void vmb_ic_post_started(struct vmb_channel *channel)
{
	struct vmb_ic *ic = vmb_server_channel_context(channel);

	spin_lock_bh(&ic->lock);
	ic->counts.opens++;
	ic->fw_version = vmb_ic_fw_versions[0];
	ic->srv_version = ic->svc->versions[0];
	spin_unlock_bh(&ic->lock);
	queue_work(system_wq, &ic->start_work);
}

/* The guest closed, or the device goes: nothing pending survives it. */
static void vmb_ic_suspend(struct vmb_channel *channel)
{
	struct vmb_ic *ic = vmb_server_channel_context(channel);

	cancel_work_sync(&ic->start_work);
	cancel_delayed_work_sync(&ic->timeout_work);
	spin_lock_bh(&ic->lock);
	ic->ready = false;
	ic->pending = false;
	spin_unlock_bh(&ic->lock);
	if (ic->svc->closed)
		ic->svc->closed(ic);
}

static const struct vmb_server_channel_callbacks vmb_ic_callbacks = {
	.post_started = vmb_ic_post_started,
	.suspend = vmb_ic_suspend,
};

/**
 * vmb_ic_ready() - whether the guest negotiated the service
 * @ic: the service channel
 * @srv_version: set to the negotiated service version (when ready)
 *
 * Return: true once the guest answered the negotiation.
 */
bool vmb_ic_ready(struct vmb_ic *ic, u32 *srv_version)
{
	bool ready;

	spin_lock_bh(&ic->lock);
	ready = ic->ready;
	*srv_version = ready ? ic->srv_version : 0;
	spin_unlock_bh(&ic->lock);
	return ready;
}

/**
 * vmb_ic_busy() - whether a request waits for its answer or is answered
 * @ic: the service channel
 *
 * An answer is taken only while its request is pending, so a service
 * that is the only sender of its requests may change what the next answer
 * is checked against once this returned false, until it sends.
 *
 * Return: true while a request is pending or its answer is processed.
 */
bool vmb_ic_busy(struct vmb_ic *ic)
{
	bool busy;

	spin_lock_bh(&ic->lock);
	busy = ic->pending || ic->answering;
	spin_unlock_bh(&ic->lock);
	return busy;
}

void vmb_ic_counts(struct vmb_ic *ic, struct vmb_ic_counts *counts)
{
	spin_lock_bh(&ic->lock);
	*counts = ic->counts;
	spin_unlock_bh(&ic->lock);
}

/**
 * vmb_ic_create() - offer a service channel for a device
 * @device: the device being probed
 * @svc: the service
 * @priv: the service's state, for its callbacks (ic->priv)
 *
 * Return: the service channel, enabled and started, or an ERR_PTR().
 */
struct vmb_ic *vmb_ic_create(struct vmb_server_device *device,
			     const struct vmb_ic_service *svc, void *priv)
{
	u32 max_packet = VMB_SERVER_INBAND_PACKET_SIZE(VMB_IC_MSG_MAX);
	struct vmb_channel *channel;
	struct vmb_ic *ic;
	int ret;

	ic = kzalloc(sizeof(*ic), GFP_KERNEL);
	if (!ic)
		return ERR_PTR(-ENOMEM);
	ic->svc = svc;
	ic->priv = priv;
	spin_lock_init(&ic->lock);
	INIT_WORK(&ic->start_work, vmb_ic_start_work);
	INIT_DELAYED_WORK(&ic->timeout_work, vmb_ic_timeout_work);

	channel = vmb_server_channel_alloc();
	if (IS_ERR(channel)) {
		kfree(ic);
		return ERR_CAST(channel);
	}
	ic->channel = channel;
	ret = vmb_server_channel_init_set_server(channel,
						 vmb_server_device_server(device)) ?:
	      vmb_server_channel_init_set_interface(channel,
						    vmb_server_device_type(device),
						    vmb_server_device_instance(device)) ?:
	      vmb_server_channel_init_set_name(channel, svc->name) ?:
	      vmb_server_channel_init_set_max_packet_size(channel, max_packet) ?:
	      vmb_server_channel_init_set_callbacks(channel, &vmb_ic_callbacks,
						    ic) ?:
	      vmb_server_channel_init_set_packet_callbacks(channel,
							   &vmb_ic_packet_callbacks);
	if (ret)
		goto err_free;
	ret = vmb_server_channel_enable(channel);
	if (ret)
		goto err_free;
	ret = vmb_server_channel_start(channel);
	if (ret)
		goto err_disable;
	return ic;

err_disable:
	vmb_server_channel_disable(channel);
err_free:
	vmb_server_channel_free(channel);
	kfree(ic);
	return ERR_PTR(ret);
}

/**
 * vmb_ic_destroy() - rescind and free a service channel
 * @ic: the service channel
 *
 * The disable closes an open channel for the service (suspend ends the
 * works) and returns without waiting for the guest.
 */
void vmb_ic_destroy(struct vmb_ic *ic)
{
	vmb_server_channel_disable(ic->channel);
	vmb_server_channel_free(ic->channel);
	cancel_work_sync(&ic->start_work);
	cancel_delayed_work_sync(&ic->timeout_work);
	kfree(ic);
}
