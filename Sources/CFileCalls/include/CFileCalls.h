#ifndef GLANCETRACE_CFILECALLS_H
#define GLANCETRACE_CFILECALLS_H

// File calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not
// export: fallocate, splice and a pipe's size.

#include <stdint.h>
#include <sys/types.h>

/// Allocates `length` bytes of disk space at `offset` of the file open on `descriptor` without
/// changing its size (fallocate with FALLOC_FL_KEEP_SIZE). Returns 0, or the errno: EOPNOTSUPP
/// where the file system cannot, and every other reason fallocate gives.
int gt_reserve_file_space(int descriptor, int64_t offset, int64_t length);

/// Opens a pipe (both ends close-on-exec) and asks for `capacity` bytes of it. Returns 0 with
/// the read end in fds[0] and the write end in fds[1], or the errno (nothing left open).
int gt_open_sized_pipe(int fds[2], int capacity);

/// splice(2) from the file `source` at `*offset` (advanced) into the pipe's write end, moving
/// up to `length` bytes. Returns the bytes moved, 0 at the end of the file, or -1 with errno.
ssize_t gt_splice_file_to_pipe(int source, int64_t *offset, int pipe_write_end, size_t length);

/// splice(2) from the pipe's read end to the file `destination` at its current position.
/// Returns the bytes moved, or -1 with errno.
ssize_t gt_splice_pipe_to_file(int pipe_read_end, int destination, size_t length);

#endif
