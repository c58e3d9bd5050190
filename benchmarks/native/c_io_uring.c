/*
 * c-io_uring: the same transfer with liburing. The writer queues QD writes of
 * the frame and submits them with one io_uring_enter(), waiting for all of
 * them; the reader keeps QD reads outstanding on the output device, each into
 * its own buffer, and re-arms every completed read in the next submit.
 *
 * Built with -DNETSTACK_DESIGN it is c-io_uring-mshot: netstack-io_uring's
 * design without the JVM, to show in every run what that design can reach on
 * the machine. Both rings are set up as Netty's io_uring loop sets up its own
 * (SINGLE_ISSUER, DEFER_TASKRUN); the writer is the same; the reader keeps one
 * multishot read armed over 128 provided buffers (IORING_OP_PROVIDE_BUFFERS,
 * the kind a custom handle on Netty's ring can use), copies each frame out of
 * its slot, as the channel copies into a buffer of its allocator, and lends
 * the slots back 32 at a time once all of a chunk's frames are out.
 */
#include "common.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#ifdef NETSTACK_DESIGN
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#define QD 64

/* Offset -1: "current position", the only meaningful one for a char device
 * stream; tun ignores it. */
#define NO_OFFSET ((__u64)-1)

#ifdef NETSTACK_DESIGN
#define RING_FLAGS (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
#else
#define RING_FLAGS 0
#endif

static int ring_init(struct bench *b, struct io_uring *ring)
{
	int ret = io_uring_queue_init(QD, ring, RING_FLAGS);

	if (ret < 0) {
		bench_fail(b, "io_uring_queue_init", -ret);
		return -1;
	}
	return 0;
}

/* io_uring_submit_and_wait(); EINTR (woken to stop) and EBUSY/EAGAIN (CQ
 * full / no memory: reap and retry) are not errors. */
static int submit_wait(struct bench *b, struct io_uring *ring, unsigned nr)
{
	int ret = io_uring_submit_and_wait(ring, nr);

	if (ret < 0 && ret != -EINTR && ret != -EBUSY && ret != -EAGAIN) {
		bench_fail(b, "io_uring_submit_and_wait", -ret);
		return -1;
	}
	return 0;
}

static void *writer(void *arg)
{
	struct bench *b = arg;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned inflight = 0, head, seen;
	uint64_t written = 0;

	if (ring_init(b, &ring) < 0)
		return NULL;
	while (!bench_stopping(b)) {
		struct io_uring_sqe *sqe;

		/* Top the batch up to QD writes (all QD, except after an
		 * interrupted submit). */
		while (inflight < QD && (sqe = io_uring_get_sqe(&ring))) {
			io_uring_prep_write(sqe, b->fd_in, b->frame, b->size, NO_OFFSET);
			inflight++;
		}
		if (submit_wait(b, &ring, inflight) < 0)
			break;
		seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			seen++;
			if (cqe->res == (int)b->size)
				written++;
			else if (cqe->res == -EAGAIN)
				bench_count_eagain(b);
			else if (cqe->res >= 0)
				bench_fail(b, "io_uring write: short write", EIO);
			else if (cqe->res != -EINTR && cqe->res != -ECANCELED)
				bench_fail(b, "io_uring write", -cqe->res);
		}
		io_uring_cq_advance(&ring, seen);
		inflight -= seen;
		bench_publish(&b->written, written);
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

#ifdef NETSTACK_DESIGN
#define SLOTS 128
#define CHUNK 32
/* The largest read buffer netstack reads into with a multishot read (its
 * MULTISHOT_MAX_FRAME); it reads into larger ones with single reads, and
 * run-c.sh skips such sizes here. */
#define MULTISHOT_MAX_FRAME 4096
/* Ethernet header and VLAN tag, which a TAP read buffer holds beyond the MTU. */
#define TAP_LINK_OVERHEAD 18
#define GROUP 0x8000
#define USER_READ 1
#define USER_PROVIDE 2
/* Linux 6.7's opcode, which this liburing's headers do not name. */
#define IORING_OP_READ_MULTISHOT_ 49

/*
 * The channel's read buffer for the device's MTU, as it asks the kernel for
 * it: the longest frame (TAP: with Ethernet header and VLAN tag) and one byte
 * more; 0 if the kernel does not say.
 */
static size_t read_buffer_length(const struct bench *b)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (s < 0)
		return 0;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, b->dev_out, IFNAMSIZ - 1);
	ret = ioctl(s, SIOCGIFMTU, &ifr);
	close(s);
	if (ret < 0)
		return 0;
	return (size_t)ifr.ifr_mtu + (b->mode == MODE_TAP ? TAP_LINK_OVERHEAD : 0) + 1;
}

/* Lends slots [first, first + count) to the kernel under GROUP. */
static void provide(struct io_uring *ring, unsigned char *slots, size_t slot_len, unsigned first,
		    unsigned count)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_provide_buffers(sqe, slots + (size_t)first * slot_len, slot_len, count, GROUP,
				      first);
	io_uring_sqe_set_data64(sqe, USER_PROVIDE);
}

static void arm_multishot(struct io_uring *ring, struct bench *b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	/* This liburing predates io_uring_prep_read_multishot(). */
	io_uring_prep_rw(IORING_OP_READ_MULTISHOT_, sqe, b->fd_out, NULL, 0, NO_OFFSET);
	sqe->buf_group = GROUP;
	sqe->flags |= IOSQE_BUFFER_SELECT;
	io_uring_sqe_set_data64(sqe, USER_READ);
}

static void *reader(void *arg)
{
	struct bench *b = arg;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned head, seen, used[SLOTS / CHUNK] = { 0 };
	uint64_t received = 0, other = 0;
	int armed = 0;
	size_t buffer_len = read_buffer_length(b);
	/* Slots start on cache lines, as the channel's do. */
	size_t slot_len = (buffer_len + 63) & ~(size_t)63;
	unsigned char *slots = NULL, *copy = NULL;

	if (buffer_len == 0 || buffer_len > MULTISHOT_MAX_FRAME) {
		bench_fail(b, "c-io_uring-mshot: read buffer for the MTU unknown or over 4096 bytes", EMSGSIZE);
		return NULL;
	}
	slots = aligned_alloc(64, SLOTS * slot_len);
	copy = aligned_alloc(64, slot_len);
	if (!slots || !copy) {
		bench_fail(b, "aligned_alloc read buffers", ENOMEM);
		goto out;
	}
	if (ring_init(b, &ring) < 0)
		goto out;
	provide(&ring, slots, slot_len, 0, SLOTS);
	while (!bench_stopping(b)) {
		if (!armed) {
			arm_multishot(&ring, b);
			armed = 1;
		}
		if (submit_wait(b, &ring, 1) < 0)
			break;
		seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			seen++;
			if (io_uring_cqe_get_data64(cqe) == USER_PROVIDE) {
				if (cqe->res < 0)
					bench_fail(b, "io_uring provide buffers", -cqe->res);
				continue;
			}
			if (!(cqe->flags & IORING_CQE_F_MORE))
				armed = 0;
			if (cqe->flags & IORING_CQE_F_BUFFER) {
				unsigned slot = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

				if (cqe->res > 0) {
					memcpy(copy, slots + slot * slot_len, cqe->res);
					if (bench_is_ours(b, copy, cqe->res))
						received++;
					else
						other++;
				}
				used[slot / CHUNK]++;
			} else if (cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -EINTR &&
				   cqe->res != -ECANCELED) {
				bench_fail(b, "io_uring multishot read", -cqe->res);
			}
		}
		io_uring_cq_advance(&ring, seen);
		for (unsigned chunk = 0; chunk < SLOTS / CHUNK; chunk++) {
			if (used[chunk] == CHUNK) {
				provide(&ring, slots, slot_len, chunk * CHUNK, CHUNK);
				used[chunk] = 0;
			}
		}
		bench_publish(&b->received, received);
		bench_publish(&b->other, other);
	}
	io_uring_queue_exit(&ring);
out:
	free(slots);
	free(copy);
	return NULL;
}
#else
static void prep_read(struct bench *b, struct io_uring *ring, unsigned char *bufs, unsigned i)
{
	/* The SQ has QD entries and at most QD reads are ever outstanding, so
	 * there is always a free SQE for a re-arm. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		bench_fail(b, "io_uring_get_sqe (read re-arm)", EBUSY);
		return;
	}
	io_uring_prep_read(sqe, b->fd_out, bufs + (size_t)i * BENCH_READ_BUF, BENCH_READ_BUF,
			   NO_OFFSET);
	io_uring_sqe_set_data64(sqe, i);
}

static void *reader(void *arg)
{
	struct bench *b = arg;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned head, seen;
	uint64_t received = 0, other = 0;
	unsigned char *bufs = malloc((size_t)QD * BENCH_READ_BUF);

	if (!bufs) {
		bench_fail(b, "malloc read buffers", ENOMEM);
		return NULL;
	}
	if (ring_init(b, &ring) < 0) {
		free(bufs);
		return NULL;
	}
	for (unsigned i = 0; i < QD; i++)
		prep_read(b, &ring, bufs, i);
	while (!bench_stopping(b)) {
		/* Submits the re-armed reads and waits for at least one. */
		if (submit_wait(b, &ring, 1) < 0)
			break;
		seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);

			seen++;
			if (cqe->res >= 0) {
				if (bench_is_ours(b, bufs + (size_t)i * BENCH_READ_BUF, cqe->res))
					received++;
				else
					other++;
			} else if (cqe->res == -EAGAIN) {
				/* Non-blocking fd: io_uring may hand EAGAIN back
				 * instead of waiting; just ask again. */
				bench_count_eagain(b);
			} else if (cqe->res != -EINTR && cqe->res != -ECANCELED) {
				bench_fail(b, "io_uring read", -cqe->res);
			}
			prep_read(b, &ring, bufs, i);
		}
		io_uring_cq_advance(&ring, seen);
		bench_publish(&b->received, received);
		bench_publish(&b->other, other);
	}
	/* Exiting the ring cancels the reads still outstanding. */
	io_uring_queue_exit(&ring);
	free(bufs);
	return NULL;
}

#endif

#ifdef NETSTACK_DESIGN
#define IMPL "c-io_uring-mshot"
#else
#define IMPL "c-io_uring"
#endif

int main(int argc, char **argv)
{
	return bench_main(argc, argv, IMPL, writer, reader);
}
