/*
 * xcpu-probe: how long one cache line takes to go from CPU A to CPU B and back (the first two CPUs this process may
 * run on), median over ~0.2 s of round trips. Prints "xcpu_ns=N" (or "xcpu_ns=-1" with fewer than two CPUs).
 *
 * Why: every benchmark frame crosses from the writer's CPU to the reader's (the skb, its data, the tun ring), so this
 * latency is part of each frame's cost. On a VM it is the host's choice where the two vCPUs run, and it can change
 * while we measure (the round trip then jumps between a low and a several times higher value). run.sh runs this
 * before each benchmark run and puts the figure beside the run's results.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUND_TRIPS 5000
#define BATCHES 40

static _Alignas(64) _Atomic long ball;
static _Atomic int done;

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* Sends every odd value back as the next even one. */
static void *returner(void *arg)
{
	if (pin(*(int *)arg) != 0)
		return NULL;
	long expect = 1;
	while (!atomic_load_explicit(&done, memory_order_relaxed)) {
		if (atomic_load_explicit(&ball, memory_order_acquire) == expect) {
			atomic_store_explicit(&ball, expect + 1, memory_order_release);
			expect += 2;
		}
	}
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	cpu_set_t allowed;
	int cpus[2], found = 0;
	if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
		for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
			if (CPU_ISSET(c, &allowed))
				cpus[found++] = c;
	if (found < 2 || pin(cpus[0]) != 0) {
		puts("xcpu_ns=-1");
		return 0;
	}
	pthread_t thread;
	if (pthread_create(&thread, NULL, returner, &cpus[1]) != 0) {
		puts("xcpu_ns=-1");
		return 0;
	}
	double batch_ns[BATCHES];
	long value = 0;
	for (int b = 0; b < BATCHES; b++) {
		double start = now_ns();
		for (int i = 0; i < ROUND_TRIPS; i++) {
			atomic_store_explicit(&ball, value + 1, memory_order_release);
			value += 2;
			while (atomic_load_explicit(&ball, memory_order_acquire) != value)
				;
		}
		batch_ns[b] = (now_ns() - start) / ROUND_TRIPS;
	}
	atomic_store(&done, 1);
	pthread_join(thread, NULL);
	qsort(batch_ns, BATCHES, sizeof batch_ns[0], by_value);
	printf("xcpu_ns=%.0f\n", batch_ns[BATCHES / 2]);
	return 0;
}
