/* t_locks.c: file locks. fcntl record locks between this process and a
 * forked helper (the "agent", which runs one lock command at a time for the
 * parent and sends back the result): F_GETLK answers, EAGAIN on conflict,
 * how locks split and merge, negative and to-the-end lengths, F_SETLKW
 * sleeping until the holder unlocks, EDEADLK for a two-process cycle, release
 * when the process closes any descriptor of the file and when it exits.
 * Open-file-description locks (F_OFD_*) between two opens in one process,
 * flock(2) shared and exclusive locks, LOCK_NB, blocking and release at the
 * last close, and the errors. Orders of events are asserted through a pipe
 * both processes write to, never with timing. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];

/* The agent's commands. */
enum { A_FCNTL, A_SETLKW_MARK, A_DEADLOCK, A_FLOCK, A_FLOCK_MARK, A_EXIT };

struct cmd {
    int op;
    int cmd;        /* fcntl command, or flock operation */
    short type;
    long start, len;
    long other;     /* A_DEADLOCK: the byte to give up after EDEADLK */
};

struct reply {
    long ret;
    int err;
    struct flock fl;
};

static int to_agent[2], from_agent[2], order[2];
static pid_t agent_pid;

static struct flock fl_of(short type, long start, long len)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fl;
}

static void full_write(int fd, const void *p, size_t n)
{
    if (write(fd, p, n) != (ssize_t)n)
        _exit(99);
}

static void full_read(int fd, void *p, size_t n)
{
    if (read(fd, p, n) != (ssize_t)n)
        _exit(98);
}

/* The agent: its own open of the file, so its flock locks are its own. */
static void agent_main(void)
{
    int fd = open(path, O_RDWR);
    struct cmd c;
    while (read(to_agent[0], &c, sizeof c) == sizeof c) {
        struct reply r;
        memset(&r, 0, sizeof r);
        r.fl = fl_of(c.type, c.start, c.len);
        errno = 0;
        switch (c.op) {
        case A_FCNTL:
            r.ret = fcntl(fd, c.cmd, &r.fl);
            break;
        case A_SETLKW_MARK:
            full_write(from_agent[1], "s", 1);
            r.ret = fcntl(fd, F_SETLKW, &r.fl);
            r.err = errno;
            full_write(order[1], "A", 1);
            break;
        case A_DEADLOCK:
            full_write(from_agent[1], "s", 1);
            r.ret = fcntl(fd, F_SETLKW, &r.fl);
            r.err = errno;
            if (r.ret == -1 && errno == EDEADLK) {
                struct flock u = fl_of(F_UNLCK, c.other, 1);
                fcntl(fd, F_SETLK, &u);
            }
            break;
        case A_FLOCK:
            r.ret = flock(fd, c.cmd);
            break;
        case A_FLOCK_MARK:
            full_write(from_agent[1], "s", 1);
            r.ret = flock(fd, c.cmd);
            r.err = errno;
            full_write(order[1], "A", 1);
            break;
        case A_EXIT:
            _exit(0);
        }
        if (c.op == A_FCNTL || c.op == A_FLOCK)
            r.err = errno;
        full_write(from_agent[1], &r, sizeof r);
    }
    _exit(0);
}

static void agent_send(int op, int cmd, short type, long start, long len, long other)
{
    struct cmd c = { op, cmd, type, start, len, other };
    full_write(to_agent[1], &c, sizeof c);
}

static struct reply agent_recv(void)
{
    struct reply r;
    full_read(from_agent[0], &r, sizeof r);
    return r;
}

/* Waits for the agent to say it is about to make a blocking call. */
static void agent_started(void)
{
    char s;
    full_read(from_agent[0], &s, 1);
}

static struct reply agent_fcntl(int cmd, short type, long start, long len)
{
    agent_send(A_FCNTL, cmd, type, start, len, 0);
    return agent_recv();
}

static struct reply agent_flock(int op)
{
    agent_send(A_FLOCK, op, 0, 0, 0, 0);
    return agent_recv();
}

static int lk(int fd, int cmd, short type, long start, long len)
{
    struct flock fl = fl_of(type, start, len);
    return fcntl(fd, cmd, &fl);
}

/* What the agent's F_GETLK over [start, start+len) says: "unlocked" or
 * "TYPE START LEN pid PID". */
static const char *agent_sees(short type, long start, long len, char *buf, size_t n)
{
    struct reply r = agent_fcntl(F_GETLK, type, start, len);
    if (r.ret != 0)
        snprintf(buf, n, "F_GETLK failed: %s", strerror(r.err));
    else if (r.fl.l_type == F_UNLCK)
        snprintf(buf, n, "unlocked");
    else
        snprintf(buf, n, "%s %ld %ld pid %d%s", r.fl.l_type == F_WRLCK ? "W" : "R",
                 (long)r.fl.l_start, (long)r.fl.l_len, (int)r.fl.l_pid,
                 r.fl.l_whence == SEEK_SET ? "" : " (whence not SEEK_SET)");
    return buf;
}

static void sees(short type, long start, long len, const char *want, const char *what)
{
    char buf[96];
    agent_sees(type, start, len, buf, sizeof buf);
    check(strcmp(buf, want) == 0, what, "the other process sees \"%s\", want \"%s\"", buf, want);
}

/* "W 0 10 pid <parent>" */
static const char *mine(const char *t, long start, long len)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "%s %ld %ld pid %d", t, start, len, (int)getpid());
    return buf;
}

static void record_locks(int fd)
{
    struct flock fl;
    check_eq(lk(fd, F_SETLK, F_WRLCK, 0, 10), 0, "F_SETLK write-locks bytes 0..9");
    fl = fl_of(F_WRLCK, 0, 10);
    check(fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK,
          "F_GETLK never reports the caller's own lock", "l_type %d", fl.l_type);
    sees(F_RDLCK, 5, 1, mine("W", 0, 10), "F_GETLK from another process reports the lock, its range and pid");
    struct reply r = agent_fcntl(F_SETLK, F_RDLCK, 5, 1);
    check(r.ret == -1 && r.err == EAGAIN, "a conflicting F_SETLK fails with EAGAIN", "ret %ld errno %d", r.ret,
          r.err);
    r = agent_fcntl(F_SETLK, F_WRLCK, 10, 5);
    check_eq(r.ret, 0, "a lock on the bytes next to it is granted");
    check_errno(lk(fd, F_SETLK, F_RDLCK, 12, 1), EAGAIN, "and then conflicts the other way");
    agent_fcntl(F_SETLK, F_UNLCK, 0, 0);

    /* Split and merge, seen from the other process. */
    check_eq(lk(fd, F_SETLK, F_WRLCK, 0, 30), 0, "write-lock 0..29 (over the old lock)");
    sees(F_RDLCK, 0, 0, mine("W", 0, 30), "the owner's overlapping locks merge into one");
    check_eq(lk(fd, F_SETLK, F_UNLCK, 10, 10), 0, "unlock the middle 10..19");
    sees(F_WRLCK, 10, 10, "unlocked", "the middle is free");
    sees(F_WRLCK, 5, 10, mine("W", 0, 10), "the lock was split: the part before");
    sees(F_WRLCK, 15, 10, mine("W", 20, 10), "the lock was split: the part after");
    check_eq(lk(fd, F_SETLK, F_RDLCK, 10, 10), 0, "read-lock the middle");
    sees(F_RDLCK, 10, 10, "unlocked", "a read lock does not stop another reader");
    sees(F_WRLCK, 10, 10, mine("R", 10, 10), "a read lock stops a writer");
    check_eq(lk(fd, F_SETLK, F_WRLCK, 10, 10), 0, "write-lock the middle");
    sees(F_RDLCK, 29, 1, mine("W", 0, 30), "neighbouring write locks merge back into one");
    check_eq(lk(fd, F_SETLK, F_RDLCK, 5, 5), 0, "read-lock 5..9 inside the write lock");
    sees(F_WRLCK, 0, 0, mine("W", 0, 5), "a lock of another type splits the owner's lock");
    sees(F_WRLCK, 5, 1, mine("R", 5, 5), "and takes its place");
    check_eq(lk(fd, F_SETLK, F_UNLCK, 0, 0), 0, "unlock everything (l_len 0)");
    sees(F_WRLCK, 0, 0, "unlocked", "nothing is left");

    check_eq(lk(fd, F_SETLK, F_WRLCK, 20, -10), 0, "a negative l_len locks the bytes before l_start");
    sees(F_WRLCK, 0, 0, mine("W", 10, 10), "that is bytes 10..19");
    check_eq(lk(fd, F_SETLK, F_WRLCK, 40, 0), 0, "l_len 0 locks to the end of the file");
    sees(F_WRLCK, 1000000, 1, mine("W", 40, 0), "reported with l_len 0");
    check_eq(lk(fd, F_SETLK, F_UNLCK, 0, 0), 0, "unlock everything");

    /* Whence: SEEK_CUR and SEEK_END. */
    lseek(fd, 50, SEEK_SET);
    fl = fl_of(F_WRLCK, 5, 2);
    fl.l_whence = SEEK_CUR;
    check_eq(fcntl(fd, F_SETLK, &fl), 0, "SEEK_CUR counts from the file position");
    sees(F_WRLCK, 0, 0, mine("W", 55, 2), "bytes 55..56");
    fl = fl_of(F_WRLCK, -10, 10);
    fl.l_whence = SEEK_END;
    check_eq(fcntl(fd, F_SETLK, &fl), 0, "SEEK_END counts from the size (100)");
    sees(F_WRLCK, 60, 0, mine("W", 90, 10), "bytes 90..99");
    lseek(fd, 0, SEEK_SET);
    check_eq(lk(fd, F_SETLK, F_UNLCK, 0, 0), 0, "unlock everything");
}

/* F_SETLKW sleeps until the holder unlocks: the parent writes P to the order
 * pipe before unlocking, the agent writes A once its F_SETLKW returned. */
static void blocking(int fd)
{
    check_eq(lk(fd, F_SETLK, F_WRLCK, 0, 10), 0, "write-lock 0..9");
    agent_send(A_SETLKW_MARK, 0, F_WRLCK, 5, 1, 0);
    agent_started();
    full_write(order[1], "P", 1);
    check_eq(lk(fd, F_SETLK, F_UNLCK, 0, 10), 0, "unlock while the other process waits");
    struct reply r = agent_recv();
    check_eq(r.ret, 0, "the waiting F_SETLKW is granted");
    char seq[3] = { 0 };
    full_read(order[0], seq, 2);
    check(strcmp(seq, "PA") == 0, "F_SETLKW returned only after the unlock", "order %s", seq);
    sees(F_WRLCK, 0, 0, "unlocked", "(F_GETLK does not report the asker's own lock)");
    check_errno(lk(fd, F_SETLK, F_RDLCK, 5, 1), EAGAIN, "the waiter now holds byte 5");
    agent_fcntl(F_SETLK, F_UNLCK, 0, 0);

    /* A two-process cycle: the agent holds byte 1 and waits for byte 0 (the
     * parent's); the parent asking for byte 1 closes the cycle. Whichever
     * of the two asks second gets EDEADLK and gives its byte up, so the
     * other is granted its request. */
    check_eq(lk(fd, F_SETLK, F_WRLCK, 0, 1), 0, "write-lock byte 0");
    check_eq(agent_fcntl(F_SETLK, F_WRLCK, 1, 1).ret, 0, "the other process write-locks byte 1");
    agent_send(A_DEADLOCK, 0, F_WRLCK, 0, 1, 1);
    agent_started();
    int mine_ret = lk(fd, F_SETLKW, F_WRLCK, 1, 1);
    int my_err = errno;
    if (mine_ret == -1 && my_err == EDEADLK)
        lk(fd, F_SETLK, F_UNLCK, 0, 1);
    struct reply theirs = agent_recv();
    bool me = mine_ret == -1 && my_err == EDEADLK, them = theirs.ret == -1 && theirs.err == EDEADLK;
    check(me != them && (me ? theirs.ret == 0 : mine_ret == 0),
          "a two-process F_SETLKW cycle: one gets EDEADLK instead of sleeping, the other the lock",
          "parent %d (errno %d), other %ld (errno %d)", mine_ret, my_err, theirs.ret, theirs.err);
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    agent_fcntl(F_SETLK, F_UNLCK, 0, 0);
}

/* A process's record locks go when it closes any descriptor of the file, and
 * when it exits; an open file description's go only with its last close. */
static void release(int fd)
{
    check_eq(lk(fd, F_SETLK, F_WRLCK, 0, 10), 0, "write-lock 0..9");
    int other = open(path, O_RDONLY);
    check(other >= 0, "open the file a second time", "errno %d", errno);
    close(other);
    sees(F_WRLCK, 0, 0, "unlocked", "closing another descriptor of the file releases the process's locks");

    check_eq(agent_fcntl(F_SETLK, F_WRLCK, 0, 10).ret, 0, "the other process write-locks 0..9");
    check_errno(lk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN, "and holds it");
    agent_send(A_EXIT, 0, 0, 0, 0, 0);
    int status = 0;
    check(waitpid(agent_pid, &status, 0) == agent_pid && WIFEXITED(status), "the other process exits",
          "status %#x", status);
    check_eq(lk(fd, F_SETLK, F_WRLCK, 0, 1), 0, "its locks went with it");
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
}

static void ofd_locks(void)
{
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    check(a >= 0 && b >= 0, "two opens of the file", "errno %d", errno);
    check_eq(lk(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0, "F_OFD_SETLK write-locks 0..9 through the first open");
    check_errno(lk(b, F_OFD_SETLK, F_RDLCK, 5, 1), EAGAIN, "the second open of the same process conflicts");
    check_errno(lk(b, F_SETLK, F_RDLCK, 5, 1), EAGAIN, "and so does a POSIX lock of the same process");
    check_eq(lk(b, F_OFD_SETLK, F_RDLCK, 10, 1), 0, "the bytes next to it are free");
    struct flock fl = fl_of(F_RDLCK, 0, 1);
    check(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_start == 0 && fl.l_len == 10 &&
              fl.l_pid == -1,
          "F_OFD_GETLK reports the lock with l_pid -1", "type %d start %ld len %ld pid %d", fl.l_type,
          (long)fl.l_start, (long)fl.l_len, (int)fl.l_pid);
    fl = fl_of(F_RDLCK, 0, 1);
    check(fcntl(a, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK, "F_OFD_GETLK ignores the open's own lock",
          "type %d", fl.l_type);
    fl = fl_of(F_WRLCK, 0, 1);
    fl.l_pid = getpid();
    check_errno(fcntl(a, F_OFD_SETLK, &fl), EINVAL, "F_OFD_SETLK with l_pid not 0: EINVAL");
    check_errno(fcntl(a, F_OFD_GETLK, &fl), EINVAL, "F_OFD_GETLK with l_pid not 0: EINVAL");

    int dup_a = dup(a);
    close(dup_a);
    int c = open(path, O_RDONLY);
    close(c);
    check_errno(lk(b, F_OFD_SETLK, F_WRLCK, 0, 1), EAGAIN,
                "closing a duplicate and another open leaves the OFD lock in place");
    close(a);
    check_eq(lk(b, F_OFD_SETLK, F_WRLCK, 0, 1), 0, "the last close of the open releases its OFD lock");
    close(b);
}

static void flocks(void)
{
    int a = open(path, O_RDONLY), b = open(path, O_RDONLY);
    check_eq(flock(a, LOCK_SH), 0, "LOCK_SH");
    check_eq(flock(b, LOCK_SH | LOCK_NB), 0, "a second LOCK_SH through another open");
    check_errno(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK, "LOCK_EX|LOCK_NB while another open shares: EWOULDBLOCK");
    check_eq(flock(a, LOCK_EX | LOCK_NB), 0,
             "the failed conversion gave up the shared lock first, as on Linux: the first open converts");
    check_errno(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK, "LOCK_SH against an exclusive lock: EWOULDBLOCK");
    check_eq(lk(a, F_SETLK, F_RDLCK, 0, 0), 0, "flock and record locks are independent");
    lk(a, F_SETLK, F_UNLCK, 0, 0);
    struct reply r = agent_flock(LOCK_SH | LOCK_NB);
    check(r.ret == -1 && r.err == EWOULDBLOCK, "another process's open is refused too", "ret %ld errno %d",
          r.ret, r.err);
    int d = dup(a);
    close(d);
    check_errno(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK, "closing a duplicate keeps the flock lock");
    check_eq(flock(a, LOCK_UN), 0, "LOCK_UN");
    check_eq(flock(b, LOCK_EX | LOCK_NB), 0, "then LOCK_EX is granted");

    /* A blocking LOCK_EX waits until the holder's last close. */
    agent_send(A_FLOCK_MARK, LOCK_EX, 0, 0, 0, 0);
    agent_started();
    full_write(order[1], "P", 1);
    close(b);
    r = agent_recv();
    char seq[3] = { 0 };
    full_read(order[0], seq, 2);
    check(r.ret == 0 && strcmp(seq, "PA") == 0, "a blocking LOCK_EX is granted after the holder's close",
          "ret %ld, order %s", r.ret, seq);
    check_errno(flock(a, LOCK_SH | LOCK_NB), EWOULDBLOCK, "the other process holds it now");
    check_eq(agent_flock(LOCK_UN).ret, 0, "it unlocks");
    check_eq(flock(a, LOCK_SH | LOCK_NB), 0, "and the lock is free again");

    check_errno(flock(a, 0), EINVAL, "flock with no operation: EINVAL");
    check_errno(flock(a, LOCK_SH | LOCK_EX), EINVAL, "flock with two operations: EINVAL");
    check_errno(flock(a, LOCK_SH | 16), EINVAL, "flock with an unknown bit: EINVAL");
    check_errno(flock(-1, LOCK_SH), EBADF, "flock on a bad descriptor: EBADF");
    close(a);
}

static void errors(int fd)
{
    struct flock fl = fl_of(F_WRLCK, 0, 1);
    fl.l_whence = 7;
    check_errno(fcntl(fd, F_SETLK, &fl), EINVAL, "an unknown l_whence: EINVAL");
    fl = fl_of(7, 0, 1);
    check_errno(fcntl(fd, F_SETLK, &fl), EINVAL, "an unknown l_type: EINVAL");
    check_errno(lk(fd, F_SETLK, F_WRLCK, -1, 1), EINVAL, "a negative start: EINVAL");
    check_errno(lk(fd, F_SETLK, F_WRLCK, 5, -6), EINVAL, "a negative length reaching before byte 0: EINVAL");
    check_errno(lk(fd, F_SETLK, F_WRLCK, LONG_MAX, 2), EOVERFLOW, "an end past the largest offset: EOVERFLOW");
    fl = fl_of(F_UNLCK, 0, 1);
    check_errno(fcntl(fd, F_GETLK, &fl), EINVAL, "F_GETLK for F_UNLCK: EINVAL");
    check_errno(fcntl(fd, F_SETLK, (struct flock *)1), EFAULT, "a bad struct flock pointer: EFAULT");
    check_errno(lk(-1, F_SETLK, F_WRLCK, 0, 1), EBADF, "a bad descriptor: EBADF");
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
    check_errno(lk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF, "a write lock needs a descriptor open for writing");
    check_errno(lk(wo, F_SETLK, F_RDLCK, 0, 1), EBADF, "a read lock needs a descriptor open for reading");
    check_eq(lk(ro, F_SETLK, F_UNLCK, 0, 1), 0, "unlocking needs neither");
    close(ro);
    close(wo);
}

int main(void)
{
    check_init("t_locks");
    snprintf(path, sizeof path, "/tmp/t_locks.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char data[100];
    memset(data, 'x', sizeof data);
    if (!check(fd >= 0 && write(fd, data, sizeof data) == sizeof data, "create a 100-byte file in /tmp", "errno %d",
               errno))
        return check_finish();
    if (pipe(to_agent) || pipe(from_agent) || pipe(order)) {
        check(false, "pipes", "errno %d", errno);
        return check_finish();
    }
    agent_pid = fork();
    if (agent_pid == 0)
        agent_main();

    record_locks(fd);
    blocking(fd);
    flocks();
    ofd_locks();
    errors(fd);
    release(fd);

    close(fd);
    unlink(path);
    return check_finish();
}
