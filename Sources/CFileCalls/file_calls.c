#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "CFileCalls.h"

int gt_reserve_file_space(int descriptor, int64_t offset, int64_t length) {
    int result;
    do {
        result = fallocate(descriptor, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
    } while (result != 0 && errno == EINTR);
    return result == 0 ? 0 : errno;
}

int gt_open_sized_pipe(int fds[2], int capacity) {
    if (pipe2(fds, O_CLOEXEC) != 0) return errno;
    if (fcntl(fds[1], F_SETPIPE_SZ, capacity) < 0) {
        int reason = errno;
        close(fds[0]);
        close(fds[1]);
        return reason;
    }
    return 0;
}

ssize_t gt_splice_file_to_pipe(int source, int64_t *offset, int pipe_write_end, size_t length) {
    loff_t position = (loff_t)*offset;
    ssize_t moved = splice(source, &position, pipe_write_end, NULL, length, SPLICE_F_MOVE);
    if (moved > 0) *offset = (int64_t)position;
    return moved;
}

ssize_t gt_splice_pipe_to_file(int pipe_read_end, int destination, size_t length) {
    return splice(pipe_read_end, NULL, destination, NULL, length, SPLICE_F_MOVE);
}
