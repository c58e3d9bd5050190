/*
 * c-io_uring: the same transfer with liburing. The writer queues QD writes of
 * the frame and submits them with one io_uring_enter(), waiting for all of
 * them; the reader keeps QD reads outstanding on the output device, each into
 * its own buffer, and re-arms every completed read in the next submit.
 */
#include "common.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#define QD 64

/* Offset -1: "current position", the only meaningful one for a char device
 * stream; tun ignores it. */
#define NO_OFFSET ((__u64)-1)

static int ring_init(struct bench *b, struct io_uring *ring)
{
	int ret = io_uring_queue_init(QD, ring, 0);

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

int main(int argc, char **argv)
{
	return bench_main(argc, argv, "c-io_uring", writer, reader);
}
