#define _GNU_SOURCE
#include "common.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/*
 * Test frames. TAP: Ethernet, locally administered unicast MACs and the
 * IEEE "local experimental" ethertype 0x88b5, so nothing in the kernel claims
 * them (and they are redirected at tc ingress before any stack sees them).
 * TUN: IPv4/UDP from 198.51.100.1 to 198.51.100.2 (TEST-NET-2), port 9.
 */
static const unsigned char DST_MAC[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const unsigned char SRC_MAC[6] = { 0x02, 0, 0, 0, 0, 0x0a };
#define ETHERTYPE_LOCAL_EXP 0x88b5
#define ETH_HDR 14
#define IP_HDR 20
#define UDP_HDR 8
#define TUN_SRC_IP "198.51.100.1"
#define TUN_DST_IP "198.51.100.2"

/* The kernel's tun driver caps the MTU at 65535 (TUN) / 65521 (TAP). */
#define MAX_SIZE 65535

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--mode tap|tun] [--size BYTES] [--seconds S] [--warmup S]\n"
		"          [--in DEV] [--out DEV] [--nonblock] [--pin WRITER_CPU,READER_CPU]\n"
		"          [--verify]\n"
		"Writes frames to DEV(in) and reads them back from DEV(out); the\n"
		"devices must exist and be joined (benchmarks/topology.sh up).\n"
		"Defaults: --mode tap --size 1500 --seconds 5 --warmup 1,\n"
		"          devices tapa->tapb (tap) or tuna->tunb (tun).\n",
		prog);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "pin", required_argument, NULL, 'p' },
		{ "verify", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	b->mode = MODE_TAP;
	b->size = 1500;
	b->seconds = 5;
	b->warmup_s = 1;
	b->cpu_writer = b->cpu_reader = -1;
	while ((c = getopt_long(argc, argv, "m:s:t:w:i:o:np:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "tap") == 0)
				b->mode = MODE_TAP;
			else if (strcmp(optarg, "tun") == 0)
				b->mode = MODE_TUN;
			else
				goto bad;
			break;
		case 's':
			b->size = strtoul(optarg, &end, 10);
			if (*end)
				goto bad;
			break;
		case 't':
			b->seconds = strtod(optarg, &end);
			if (*end)
				goto bad;
			break;
		case 'w':
			b->warmup_s = strtod(optarg, &end);
			if (*end)
				goto bad;
			break;
		case 'i': b->dev_in = optarg; break;
		case 'o': b->dev_out = optarg; break;
		case 'n': b->nonblock = 1; break;
		case 'v': b->verify = 1; break;
		case 'p':
			if (sscanf(optarg, "%d,%d", &b->cpu_writer, &b->cpu_reader) != 2 ||
			    b->cpu_writer < 0 || b->cpu_reader < 0)
				goto bad;
			break;
		case 'h': usage(argv[0]); exit(0);
		default: goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (!b->dev_in)
		b->dev_in = b->mode == MODE_TAP ? "tapa" : "tuna";
	if (!b->dev_out)
		b->dev_out = b->mode == MODE_TAP ? "tapb" : "tunb";

	size_t min = b->mode == MODE_TAP ? ETH_HDR : IP_HDR + UDP_HDR;
	if (b->size < min || b->size > MAX_SIZE) {
		fprintf(stderr, "size must be %zu..%d bytes for this mode\n", min, MAX_SIZE);
		return -1;
	}
	/* Bounded run: at most an hour, so a typo cannot leave a sender running. */
	if (!(b->seconds > 0 && b->seconds <= 3600 && b->warmup_s >= 0 && b->warmup_s <= 600)) {
		fprintf(stderr, "seconds must be in (0, 3600] and warmup in [0, 600]\n");
		return -1;
	}
	return 0;
bad:
	usage(argv[0]);
	return -1;
}

/* Attach to an existing (persistent) device; no IFF_TUN_EXCL, so the device
 * made by topology.sh is reused instead of a new one being created. */
static int open_dev(const struct bench *b, const char *name)
{
	struct ifreq ifr;
	int fd;

	/* TUNSETIFF would create a missing device: insist on the topology's,
	 * so a missing setup is an error rather than a silent measurement of
	 * an unconnected device. */
	if (if_nametoindex(name) == 0) {
		fprintf(stderr, "device %s: %s (run benchmarks/topology.sh up first, "
			"in this network namespace)\n", name, strerror(errno));
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (b->nonblock ? O_NONBLOCK : 0));
	if (fd < 0) {
		fprintf(stderr, "open /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (b->mode == MODE_TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "device name too long: %s\n", name);
		close(fd);
		return -1;
	}
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "TUNSETIFF %s (%s): %s%s\n", name,
			b->mode == MODE_TAP ? "tap" : "tun", strerror(errno),
			errno == EBUSY ? " (another process is attached)" :
			errno == EINVAL ? " (device exists with another mode/flags?)" : "");
		close(fd);
		return -1;
	}
	if (strcmp(ifr.ifr_name, name) != 0) {
		fprintf(stderr, "TUNSETIFF attached to %s, not %s\n", ifr.ifr_name, name);
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t ip_checksum(const unsigned char *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static unsigned char *build_frame(const struct bench *b)
{
	/* Aligned to a cache line, as the Java benchmarks' frames are: the kernel's copy from user memory is faster
	 * from an aligned source than from one 16 bytes off, most of all for large frames, so every implementation
	 * writes from the same alignment. */
	size_t padded = (b->size + 63) / 64 * 64;
	unsigned char *f = aligned_alloc(64, padded);

	if (!f) {
		perror("aligned_alloc frame");
		return NULL;
	}
	memset(f, 0, padded);
	if (b->mode == MODE_TAP) {
		memcpy(f, DST_MAC, 6);
		memcpy(f + 6, SRC_MAC, 6);
		f[12] = ETHERTYPE_LOCAL_EXP >> 8;
		f[13] = ETHERTYPE_LOCAL_EXP & 0xff;
		memcpy(f + ETH_HDR, "netstack", b->size - ETH_HDR < 8 ? b->size - ETH_HDR : 8);
		return f;
	}
	/* IPv4 header; UDP checksum 0 = "not computed", valid for IPv4. */
	uint16_t tot = htons((uint16_t)b->size), udp_len = htons((uint16_t)(b->size - IP_HDR));
	uint16_t sport = htons(40000), dport = htons(9), df = htons(0x4000), sum;

	f[0] = 0x45;
	memcpy(f + 2, &tot, 2);
	memcpy(f + 6, &df, 2);
	f[8] = 64;
	f[9] = 17; /* UDP */
	inet_pton(AF_INET, TUN_SRC_IP, f + 12);
	inet_pton(AF_INET, TUN_DST_IP, f + 16);
	sum = htons(ip_checksum(f, IP_HDR));
	memcpy(f + 10, &sum, 2);
	memcpy(f + IP_HDR, &sport, 2);
	memcpy(f + IP_HDR + 2, &dport, 2);
	memcpy(f + IP_HDR + 4, &udp_len, 2);
	return f;
}

int bench_is_ours(const struct bench *b, const unsigned char *buf, ssize_t n)
{
	if (n != (ssize_t)b->size)
		return 0;
	/* --verify: proves the path delivers frames unchanged, at a cost. */
	if (b->verify)
		return memcmp(buf, b->frame, b->size) == 0;
	if (b->mode == MODE_TAP)
		return memcmp(buf + 6, SRC_MAC, 6) == 0 &&
		       buf[12] == ETHERTYPE_LOCAL_EXP >> 8 && buf[13] == (ETHERTYPE_LOCAL_EXP & 0xff);
	/* Same IPv4 header (version, length, protocol, addresses) as we sent. */
	return memcmp(buf, b->frame, IP_HDR) == 0;
}

void bench_fail(struct bench *b, const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, strerror(err));
	atomic_store(&b->failed, 1);
	atomic_store(&b->stop, 1);
}

/* Sum of rx_dropped + tx_dropped of the two devices. /proc/self/net/dev
 * follows this process's network namespace (sysfs would show the namespace
 * of whoever mounted /sys). Returns -1 if unreadable. */
static long long dev_drops(const struct bench *b)
{
	FILE *f = fopen("/proc/self/net/dev", "r");
	char line[512];
	long long total = 0;
	int found = 0;

	if (!f) {
		fprintf(stderr, "open /proc/self/net/dev: %s\n", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long long v[16];

		if (!colon)
			continue;
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (strcmp(name, b->dev_in) != 0 && strcmp(name, b->dev_out) != 0)
			continue;
		/* rx: bytes packets errs drop fifo frame compressed multicast,
		 * tx: bytes packets errs drop fifo colls carrier compressed */
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu "
				      "%llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			   &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 16)
			continue;
		total += (long long)(v[3] + v[11]);
		found++;
	}
	fclose(f);
	if (found != 2) {
		fprintf(stderr, "warning: found %d of the 2 devices in /proc/self/net/dev\n", found);
		return -1;
	}
	return total;
}

/* Threads of this process, io_uring's io-wq workers included. */
static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1e9 + tv.tv_usec * 1e3;
}

/* Sleep until the monotonic clock reaches 'until', unless a thread fails. */
static void sleep_until(struct bench *b, double until)
{
	double now;

	while (!atomic_load(&b->failed) && (now = now_s()) < until) {
		double left = until - now, step = left < 0.1 ? left : 0.1;
		struct timespec ts = { (time_t)step, (long)((step - (time_t)step) * 1e9) };

		nanosleep(&ts, NULL);
	}
}

/* Empty handler: its only job is to make a blocked read()/write()/
 * io_uring_enter() return EINTR (no SA_RESTART) so the thread sees 'stop'. */
static void on_wake(int sig)
{
	(void)sig;
}

struct worker {
	pthread_t tid;
	bench_thread_fn fn;
	struct bench *b;
	int cpu; /* -1: let the scheduler place it */
	_Atomic int done;
	int started;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *r;

	if (w->cpu >= 0) {
		/* Pinning takes the scheduler's placement (e.g. wake-affine
		 * pulling reader and writer onto one CPU) out of the result. */
		cpu_set_t set;
		int err;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (err) {
			bench_fail(w->b, "pthread_setaffinity_np", err);
			atomic_store(&w->done, 1);
			return NULL;
		}
	}
	r = w->fn(w->b);

	atomic_store(&w->done, 1);
	return r;
}

static int start_worker(struct worker *w, struct bench *b, bench_thread_fn fn, int cpu)
{
	int err;

	w->fn = fn;
	w->cpu = cpu;
	w->b = b;
	atomic_store(&w->done, 0);
	err = pthread_create(&w->tid, NULL, worker_main, w);
	if (err) {
		fprintf(stderr, "pthread_create: %s\n", strerror(err));
		return -1;
	}
	w->started = 1;
	return 0;
}

/* Wake a worker with signals until it has left its loop; bounded to ~2 s. */
static int stop_worker(struct worker *w)
{
	if (!w->started)
		return 0;
	for (int i = 0; i < 200 && !atomic_load(&w->done); i++) {
		int err = pthread_kill(w->tid, SIGUSR1);

		if (err && err != ESRCH)
			fprintf(stderr, "pthread_kill: %s\n", strerror(err));
		usleep(10000);
	}
	if (!atomic_load(&w->done)) {
		fprintf(stderr, "warning: a worker thread did not stop within 2 s\n");
		return -1;
	}
	pthread_join(w->tid, NULL);
	return 0;
}

struct sample {
	double t;
	uint64_t written, received;
	struct rusage ru;
	long long drops;
	double busy_s; /* whole machine's busy CPU time, all CPUs; <0 unknown */
};

/* Busy CPU seconds of the whole machine (all CPUs) since boot, from the
 * "cpu" line of /proc/stat: everything except idle and iowait. */
static double machine_busy_s(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	int n;

	if (!f) {
		fprintf(stderr, "open /proc/stat: %s\n", strerror(errno));
		return -1;
	}
	/* user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8 || hz <= 0)
		return -1;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

static void take_sample(struct bench *b, struct sample *s)
{
	s->t = now_s();
	s->written = atomic_load_explicit(&b->written, memory_order_relaxed);
	s->received = atomic_load_explicit(&b->received, memory_order_relaxed);
	if (getrusage(RUSAGE_SELF, &s->ru) < 0)
		fprintf(stderr, "getrusage: %s\n", strerror(errno));
	s->drops = dev_drops(b);
	s->busy_s = machine_busy_s();
}

int bench_main(int argc, char **argv, const char *impl,
	       bench_thread_fn writer, bench_thread_fn reader)
{
	static struct bench b; /* static: zeroed, and outlives stuck threads */
	struct worker rd = { 0 }, wr = { 0 };
	struct sigaction sa;
	struct sample s0, s1;
	int rc = 1, tasks;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(&b, argc, argv) < 0)
		return 2;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
	}

	b.fd_in = open_dev(&b, b.dev_in);
	b.fd_out = b.fd_in < 0 ? -1 : open_dev(&b, b.dev_out);
	b.frame = build_frame(&b);
	if (b.fd_in < 0 || b.fd_out < 0 || !b.frame)
		goto out;

	/* Reader first, so the first frames find it waiting. */
	if (start_worker(&rd, &b, reader, b.cpu_reader) < 0 ||
	    start_worker(&wr, &b, writer, b.cpu_writer) < 0)
		goto stop;

	double t0 = now_s();
	sleep_until(&b, t0 + b.warmup_s);
	take_sample(&b, &s0);
	sleep_until(&b, s0.t + b.seconds);
	take_sample(&b, &s1);
	tasks = count_tasks();
	if (atomic_load(&b.failed))
		goto stop;

	double secs = s1.t - s0.t;
	uint64_t written = s1.written - s0.written, received = s1.received - s0.received;
	double per = received ? 1.0 / received : 0;
	double user_ns = (tv_ns(s1.ru.ru_utime) - tv_ns(s0.ru.ru_utime)) * per;
	double sys_ns = (tv_ns(s1.ru.ru_stime) - tv_ns(s0.ru.ru_stime)) * per;
	long long drops = s0.drops < 0 || s1.drops < 0 ? -1 : s1.drops - s0.drops;
	/* CPUs' worth of time that other processes used during the window
	 * (machine busy time minus ours): a benchmark on a shared machine is
	 * only comparable when this is near 0. Tick-based, so +-0.02 or so;
	 * -1: unknown. */
	double own_s = (tv_ns(s1.ru.ru_utime) - tv_ns(s0.ru.ru_utime) +
			tv_ns(s1.ru.ru_stime) - tv_ns(s0.ru.ru_stime)) / 1e9;
	double other_cpus = s0.busy_s < 0 || s1.busy_s < 0 ? -1 :
			    (s1.busy_s - s0.busy_s - own_s) / secs;

	/* One line, key=value, for the aggregator. 'loss' counts frames
	 * written but not read within the window (in-flight ones at the
	 * edges included, at most a queue's worth). */
	printf("RESULT impl=%s mode=%s size=%zu seconds=%.2f written=%llu received=%llu "
	       "fps=%.0f gbps=%.3f loss=%lld kernel_drops=%lld "
	       "user_ns_per_frame=%.1f sys_ns_per_frame=%.1f other=%llu eagain=%llu threads=%d "
	       "other_cpus=%.2f\n",
	       impl, b.mode == MODE_TAP ? "tap" : "tun", b.size, secs,
	       (unsigned long long)written, (unsigned long long)received,
	       received / secs, received * (double)b.size * 8 / secs / 1e9,
	       (long long)(written - received), drops, user_ns, sys_ns,
	       (unsigned long long)atomic_load(&b.other),
	       (unsigned long long)atomic_load(&b.eagain), tasks, other_cpus);
	rc = 0;
stop:
	atomic_store(&b.stop, 1);
	/* Both, even if the first one is stuck. */
	int stuck = stop_worker(&wr) < 0;
	stuck |= stop_worker(&rd) < 0;
	if (stuck)
		rc = 3; /* could not stop cleanly: the result may be printed, but flag it */
	if (atomic_load(&b.failed))
		rc = 1;
out:
	/* Threads that did not stop still use the fds: leave them to exit(). */
	if (rc != 3) {
		if (b.fd_in >= 0)
			close(b.fd_in);
		if (b.fd_out >= 0)
			close(b.fd_out);
		free(b.frame);
	}
	return rc;
}
