/* Runs a command and reports its wall time and exact peak resident set size (wait4's
 * ru_maxrss), like a minimal `/usr/bin/time -f %e %M`.
 *
 *   cc -O2 -o peak_rss Benchmarks/peak_rss.c && ./peak_rss REPORT command args...
 *
 * Why not measure from Python: Linux carries the pre-exec address space's high-water
 * mark into ru_maxrss at exec, and a child forked (or vforked) from the Python runner
 * starts from the runner's ~25 MB. Forked from this small program it starts from ~1 MB,
 * which the runner measures with /bin/true and reports as the floor.
 *
 * Writes "exit_status peak_rss_kib wall_seconds cpu_seconds" to REPORT (cpu: the child's user
 * plus system time, threads included); the command's stdin, stdout and stderr are inherited.
 * Exits 0 when the report was written, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s REPORT command [args...]\n", argv[0]);
        return 1;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            perror("wait4");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *report = fopen(argv[1], "w");
    if (report == NULL) {
        perror(argv[1]);
        return 1;
    }
    double cpu = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6
               + (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
    fprintf(report, "%d %ld %.6f %.6f\n", code, usage.ru_maxrss, wall, cpu);
    return fclose(report) == 0 ? 0 : 1;
}
