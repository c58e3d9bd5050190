/*
 * c-blocking: the simplest possible reference. One thread loops on blocking
 * write() of the same frame to the input device, another loops on blocking
 * read() from the output device. One syscall per frame on each side.
 */
#include "common.h"

#include <errno.h>
#include <unistd.h>

static void *writer(void *arg)
{
	struct bench *b = arg;
	uint64_t written = 0;

	while (!bench_stopping(b)) {
		ssize_t n = write(b->fd_in, b->frame, b->size);

		if (n == (ssize_t)b->size) {
			bench_publish(&b->written, ++written);
		} else if (n >= 0) {
			bench_fail(b, "write: short write", EIO);
		} else if (errno == EAGAIN) {
			/* Only with --nonblock; tun writes do not normally block. */
			bench_count_eagain(b);
		} else if (errno != EINTR) { /* EINTR: woken up to stop */
			bench_fail(b, "write", errno);
		}
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct bench *b = arg;
	static unsigned char buf[BENCH_READ_BUF];
	uint64_t received = 0, other = 0;

	while (!bench_stopping(b)) {
		ssize_t n = read(b->fd_out, buf, sizeof(buf));

		if (n >= 0) {
			if (bench_is_ours(b, buf, n))
				bench_publish(&b->received, ++received);
			else
				bench_publish(&b->other, ++other);
		} else if (errno == EAGAIN) {
			/* Only with --nonblock: this then becomes a busy-poll loop. */
			bench_count_eagain(b);
		} else if (errno != EINTR) {
			bench_fail(b, "read", errno);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	return bench_main(argc, argv, "c-blocking", writer, reader);
}
