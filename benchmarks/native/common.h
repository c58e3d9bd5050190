/*
 * Shared part of the C reference benchmarks: option parsing, attaching to the
 * persistent TAP/TUN devices made by benchmarks/topology.sh, building and
 * recognising the test frames, the warm-up/measure/stop sequence and the
 * RESULT line. Each program (c-blocking, c-io_uring) only supplies its writer
 * and reader thread bodies.
 */
#ifndef NETSTACK_BENCH_COMMON_H
#define NETSTACK_BENCH_COMMON_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads use buffers this large so that no frame is ever truncated. */
#define BENCH_READ_BUF 65536

enum bench_mode { MODE_TAP, MODE_TUN };

struct bench {
	/* Options. */
	enum bench_mode mode;
	size_t size;          /* bytes per frame (TAP) or IP packet (TUN) */
	double warmup_s;
	double seconds;       /* measured window */
	const char *dev_in;   /* written to: tapa / tuna */
	const char *dev_out;  /* read from: tapb / tunb */
	int nonblock;         /* open the fds with O_NONBLOCK */
	int verify;           /* compare every received frame byte for byte */
	int cpu_writer;       /* CPU to pin the writer thread to, -1: none */
	int cpu_reader;

	/* Devices and the frame every write sends. */
	int fd_in;
	int fd_out;
	unsigned char *frame;

	/*
	 * Counters. Each has a single writing thread, which keeps a local copy
	 * and publishes it with a relaxed store (no locked instruction per
	 * frame); the main thread samples them at the window edges.
	 */
	_Atomic uint64_t written;
	_Atomic uint64_t received;   /* frames that are ours, of the right size */
	_Atomic uint64_t other;      /* anything else read from dev_out */
	_Atomic uint64_t eagain;     /* -EAGAIN seen; both threads add to it */

	_Atomic int stop;            /* set by main: threads leave their loops */
	_Atomic int failed;          /* set by a thread that hit a fatal error */
};

/* Thread bodies supplied by each program; the argument is the struct bench. */
typedef void *(*bench_thread_fn)(void *);

/*
 * Parses options, attaches to the devices, runs reader and writer threads for
 * warm-up + window, prints the RESULT line. Returns the process exit code.
 */
int bench_main(int argc, char **argv, const char *impl,
	       bench_thread_fn writer, bench_thread_fn reader);

/* Does this buffer, as read from dev_out, hold one of our frames? */
int bench_is_ours(const struct bench *b, const unsigned char *buf, ssize_t n);

/* Publish a thread-local counter (single writer per counter). */
static inline void bench_publish(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

/* Count an EAGAIN (rare: only with --nonblock or an io_uring quirk). */
static inline void bench_count_eagain(struct bench *b)
{
	atomic_fetch_add_explicit(&b->eagain, 1, memory_order_relaxed);
}

static inline int bench_stopping(struct bench *b)
{
	return atomic_load_explicit(&b->stop, memory_order_relaxed);
}

/* Report a fatal error from a worker thread and make the run fail. */
void bench_fail(struct bench *b, const char *what, int err);

#endif
