/*
 * The reference for TcpForwarderBench: the same topology (a TCP client in a private "far" namespace, a server in a
 * private "near" namespace, one TAP device in each, frames copied between the two devices' fds by a userspace
 * forwarder), with the plainest forwarder there is: one thread, poll(2), one read(2) and one write(2) per frame,
 * no vnet header, no offloads.
 *
 *   c_forwarder [SECONDS]   ->   RESULT impl=c-forwarder offloads=off gbps=N
 *
 * Needs root. The process unshares its own network namespace first, the client is a child in another one, and the
 * devices go with their fds: nothing is left behind. It runs `ip` for the address setup (a benchmark may shell out).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAR_DEVICE "cfar0"
#define NEAR_DEVICE "cnear0"
#define FAR_IP "198.51.100.1"
#define NEAR_IP "198.51.100.2"
#define PORT 5202
#define CHUNK (1 << 18)
#define FRAME_MAX 2048

static atomic_bool stop;
static int fds[2];

static void die(const char *what) {
    perror(what);
    exit(1);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_tap(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) die("open /dev/net/tun");
    struct ifreq ifr = {0};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
    return fd;
}

static void run(const char *command) {
    if (system(command) != 0) {
        fprintf(stderr, "failed: %s\n", command);
        exit(1);
    }
}

/* Copies frames from each fd to the other until told to stop; a frame the other side refuses is dropped. */
static void *forward(void *unused) {
    (void) unused;
    static char frame[FRAME_MAX];
    struct pollfd polls[2] = {{.fd = fds[0], .events = POLLIN}, {.fd = fds[1], .events = POLLIN}};
    while (!atomic_load(&stop)) {
        if (poll(polls, 2, 100) < 0 && errno != EINTR) die("poll");
        for (int i = 0; i < 2; i++) {
            if (!(polls[i].revents & POLLIN)) continue;
            for (int budget = 64; budget > 0; budget--) {
                ssize_t n = read(fds[i], frame, sizeof frame);
                if (n <= 0) break;
                (void) write(fds[1 - i], frame, (size_t) n);
            }
        }
    }
    return NULL;
}

/* The far child: waits for its device, then sends for `seconds`. */
static void client(int ready, int go, int seconds) {
    if (unshare(CLONE_NEWNET) < 0) die("unshare (far)");
    char c = 1;
    if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1) die("pipe");
    run("ip link set lo up && ip addr add " FAR_IP "/24 dev " FAR_DEVICE " && ip link set " FAR_DEVICE " up");
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    inet_pton(AF_INET, NEAR_IP, &server.sin_addr);
    int attempts = 0;
    while (connect(s, (struct sockaddr *) &server, sizeof server) < 0) {
        if (++attempts > 50) die("connect");
        usleep(100000);
    }
    static char chunk[CHUNK];
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (char) (i * 2654435761u >> 24);
    double deadline = now() + seconds;
    while (now() < deadline) {
        if (write(s, chunk, sizeof chunk) < 0) die("write (client)");
    }
    shutdown(s, SHUT_WR);
    read(s, &c, 1);
    close(s);
    _exit(0);
}

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 5;
    if (seconds <= 0 || seconds > 600) {
        fprintf(stderr, "usage: c_forwarder [SECONDS 1..600]\n");
        return 2;
    }
    if (unshare(CLONE_NEWNET) < 0) die("unshare (near)");
    run("ip link set lo up");
    fds[0] = open_tap(FAR_DEVICE);
    fds[1] = open_tap(NEAR_DEVICE);

    int ready[2], go[2];
    if (pipe(ready) < 0 || pipe(go) < 0) die("pipe");
    pid_t far = fork();
    if (far < 0) die("fork");
    if (far == 0) client(ready[1], go[0], seconds);
    char c;
    if (read(ready[0], &c, 1) != 1) die("pipe");
    char command[256];
    snprintf(command, sizeof command, "ip link set dev " FAR_DEVICE " netns %d", (int) far);
    run(command);
    run("ip addr add " NEAR_IP "/24 dev " NEAR_DEVICE " && ip link set " NEAR_DEVICE " up");

    pthread_t forwarder;
    if (pthread_create(&forwarder, NULL, forward, NULL) != 0) die("pthread_create");

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    inet_pton(AF_INET, NEAR_IP, &address.sin_addr);
    if (bind(listener, (struct sockaddr *) &address, sizeof address) < 0 || listen(listener, 1) < 0) die("listen");
    if (write(go[1], &c, 1) != 1) die("pipe");
    struct timeval timeout = {.tv_sec = 30};
    setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    int s = accept(listener, NULL, NULL);
    if (s < 0) die("accept");
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    static char buffer[CHUNK];
    long long bytes = 0;
    double start = 0;
    for (ssize_t n; (n = read(s, buffer, sizeof buffer)) > 0;) {
        if (bytes == 0) start = now();
        bytes += n;
    }
    double elapsed = now() - start;
    close(s);
    close(listener);
    waitpid(far, NULL, 0);

    atomic_store(&stop, true);
    pthread_join(forwarder, NULL);
    close(fds[0]);
    close(fds[1]);
    printf("RESULT impl=c-forwarder offloads=off gbps=%.2f\n", bytes * 8 / elapsed / 1e9);
    return 0;
}
