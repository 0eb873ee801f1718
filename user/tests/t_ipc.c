/* t_ipc.c: System V IPC. For shared memory, semaphores and message queues:
 * create, IPC_STAT, IPC_SET, IPC_RMID; keys with IPC_CREAT/IPC_EXCL
 * (EEXIST, ENOENT), EINVAL for sizes and stale ids; permissions seen by a
 * forked child that became uid 1000 (when run as root); a segment shared
 * with a forked child, nattch and shmdt, IPC_RMID while attached; semop
 * sleeping until another process posts (ordered through GETNCNT, never
 * time), IPC_NOWAIT, SEM_UNDO undone at exit, EIDRM for a sleeper whose
 * array is removed, semtimedop's time-out (EAGAIN); undo lists shared by
 * CLONE_SYSVSEM (applied when the last holder exits or unshares), a
 * thread's own list without it; message types,
 * MSG_EXCEPT, MSG_NOERROR, E2BIG, ENOMSG, a full queue, and msgrcv cut
 * short by a handler (EINTR even with SA_RESTART); the lines of
 * /proc/sysvipc/{shm,sem,msg} (Linux's columns, character for character)
 * and the listing commands ipcs(1) uses: IPC_INFO, SHM_INFO, SEM_INFO,
 * MSG_INFO, SHM_STAT, SEM_STAT, MSG_STAT and their _ANY forms. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"
#include "thr.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
/* The _ANY listing commands (Linux 4.17); called through syscall(2). */
#define SHM_STAT_ANY_ 15
#define SEM_STAT_ANY_ 20
#define MSG_STAT_ANY_ 13

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static key_t key_base;

/* Waits for child `pid`; true when it exited with status 0. */
static bool child_ok(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Yields until semaphore 0 of `id` has `n` sleepers waiting to decrease it. */
static void wait_ncnt(int id, int n)
{
    while (semctl(id, 0, GETNCNT) != n)
        sched_yield();
}

static void test_keys(void)
{
    key_t k = key_base + 1;
    int id = semget(k, 2, IPC_CREAT | IPC_EXCL | 0600);
    check(id >= 0, "semget creates a keyed array", "errno %d", errno);
    check_errno(semget(k, 2, IPC_CREAT | IPC_EXCL | 0600), EEXIST, "IPC_CREAT|IPC_EXCL on an existing key");
    check_eq(semget(k, 1, 0), id, "semget finds the key");
    check_eq(semget(k, 0, IPC_CREAT | 0600), id, "IPC_CREAT alone finds it too");
    check_errno(semget(k, 3, 0), EINVAL, "more semaphores than the array has");
    check_errno(semget(key_base + 2, 1, 0), ENOENT, "an unknown key without IPC_CREAT");
    check_errno(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL, "a new array of 0 semaphores");
    int p1 = semget(IPC_PRIVATE, 1, 0600), p2 = semget(IPC_PRIVATE, 1, 0600);
    check(p1 >= 0 && p2 >= 0 && p1 != p2 && p1 != id, "IPC_PRIVATE always makes a new one", "%d %d", p1, p2);
    check_eq(semctl(id, 0, IPC_RMID), 0, "semctl IPC_RMID");
    check_errno(semctl(id, 0, GETVAL), EINVAL, "a removed id is EINVAL");
    int again = semget(k, 2, IPC_CREAT | 0600);
    check(again >= 0 && again != id, "the key makes a new array with a new id", "%d %d", again, id);
    check_errno(semctl(id, 0, GETVAL), EINVAL, "the old id stays stale");
    semctl(again, 0, IPC_RMID);
    semctl(p1, 0, IPC_RMID);
    semctl(p2, 0, IPC_RMID);
    check_errno(shmget(IPC_PRIVATE, 0, 0600), EINVAL, "shmget of size 0");
    int s = shmget(key_base + 3, 10000, IPC_CREAT | 0600);
    check_errno(shmget(key_base + 3, 20000, 0), EINVAL, "shmget larger than the segment");
    check_eq(shmget(key_base + 3, 100, 0), s, "shmget smaller finds it");
    shmctl(s, IPC_RMID, NULL);
    check_errno(msgget(key_base + 4, 0), ENOENT, "msgget of an unknown key");
}

static void test_stat_set(void)
{
    int s = shmget(IPC_PRIVATE, 5000, 0640);
    struct shmid_ds sd;
    check_eq(shmctl(s, IPC_STAT, &sd), 0, "shmctl IPC_STAT");
    check(sd.shm_segsz == 5000 && (sd.shm_perm.mode & 0777) == 0640 && sd.shm_nattch == 0 &&
              sd.shm_cpid == getpid() && sd.shm_perm.uid == geteuid(),
          "shmid_ds after shmget", "size %zu mode %o nattch %lu cpid %d", (size_t)sd.shm_segsz,
          (unsigned)sd.shm_perm.mode, (unsigned long)sd.shm_nattch, (int)sd.shm_cpid);
    sd.shm_perm.mode = 0604;
    check_eq(shmctl(s, IPC_SET, &sd), 0, "shmctl IPC_SET");
    shmctl(s, IPC_STAT, &sd);
    check_eq(sd.shm_perm.mode & 0777, 0604, "IPC_SET changed the mode");
    check_errno(shmctl(s, 1234, &sd), EINVAL, "an unknown shmctl command");
    shmctl(s, IPC_RMID, NULL);

    int m = semget(IPC_PRIVATE, 3, 0600);
    struct semid_ds ss;
    union semun u = {.buf = &ss};
    check_eq(semctl(m, 0, IPC_STAT, u), 0, "semctl IPC_STAT");
    check_eq(ss.sem_nsems, 3, "sem_nsems");
    ss.sem_perm.mode = 0660;
    check_eq(semctl(m, 0, IPC_SET, u), 0, "semctl IPC_SET");
    semctl(m, 0, IPC_STAT, u);
    check_eq(ss.sem_perm.mode & 0777, 0660, "semctl IPC_SET changed the mode");
    unsigned short all[3] = {1, 2, 3}, got[3] = {0};
    check_eq(semctl(m, 0, SETALL, (union semun){.array = all}), 0, "SETALL");
    check_eq(semctl(m, 0, GETALL, (union semun){.array = got}), 0, "GETALL");
    check(got[0] == 1 && got[1] == 2 && got[2] == 3, "GETALL values", "%d %d %d", got[0], got[1], got[2]);
    check_eq(semctl(m, 2, SETVAL, (union semun){.val = 7}), 0, "SETVAL");
    check_eq(semctl(m, 2, GETVAL), 7, "GETVAL");
    check_eq(semctl(m, 2, GETPID), getpid(), "GETPID is the last changer");
    check_errno(semctl(m, 0, SETVAL, (union semun){.val = 40000}), ERANGE, "SETVAL past SEMVMX");
    check_errno(semctl(m, 3, GETVAL), EINVAL, "GETVAL past the end");
    struct sembuf bad = {5, 1, 0};
    check_errno(semop(m, &bad, 1), EFBIG, "semop on a semaphore past the end");
    check_errno(semop(m, &bad, 0), EINVAL, "semop of no operations");
    struct sembuf two[2] = {{0, 1, 0}, {1, -5, IPC_NOWAIT}};
    check_errno(semop(m, two, 2), EAGAIN, "IPC_NOWAIT: EAGAIN");
    check_eq(semctl(m, 0, GETVAL), 1, "nothing of a failed semop was applied");
    semctl(m, 0, IPC_RMID);

    int q = msgget(IPC_PRIVATE, 0600);
    struct msqid_ds qd;
    check_eq(msgctl(q, IPC_STAT, &qd), 0, "msgctl IPC_STAT");
    check(qd.msg_qnum == 0 && qd.msg_qbytes == 16384, "an empty queue of MSGMNB bytes", "qnum %lu qbytes %lu",
          (unsigned long)qd.msg_qnum, (unsigned long)qd.msg_qbytes);
    qd.msg_qbytes = 10;
    check_eq(msgctl(q, IPC_SET, &qd), 0, "msgctl IPC_SET msg_qbytes");
    struct {
        long type;
        char text[16];
    } mb = {1, "12345678"};
    check_eq(msgsnd(q, &mb, 8, 0), 0, "msgsnd 8 bytes");
    check_errno(msgsnd(q, &mb, 8, IPC_NOWAIT), EAGAIN, "msgsnd to a full queue with IPC_NOWAIT");
    msgctl(q, IPC_STAT, &qd);
    check(qd.msg_qnum == 1 && qd.msg_lspid == getpid(), "msg_qnum and msg_lspid", "qnum %lu",
          (unsigned long)qd.msg_qnum);
    check_eq(msgctl(q, IPC_RMID, NULL), 0, "msgctl IPC_RMID");
    check_errno(msgctl(q, IPC_STAT, &qd), EINVAL, "a removed queue is EINVAL");
}

/* Run as uid 1000 in a child: what a stranger may do with root's objects. */
static int stranger(int s, int m, int q)
{
    int bad = 0;
    struct shmid_ds sd;
    struct {
        long type;
        char text[4];
    } mb = {1, "abc"};
    if (setgid(1000) != 0 || setuid(1000) != 0)
        return 10;
    if (!(shmat(s, NULL, 0) == (void *)-1 && errno == EACCES))
        bad |= 1;
    if (!(shmctl(s, IPC_STAT, &sd) == -1 && errno == EACCES))
        bad |= 2;
    if (!(semctl(m, 0, IPC_RMID) == -1 && errno == EPERM))
        bad |= 4;
    if (!(semget(key_base + 5, 1, 0600) == -1 && errno == EACCES))
        bad |= 8;
    if (semget(key_base + 5, 1, 0) != m)
        bad |= 16;
    if (!(msgsnd(q, &mb, 3, IPC_NOWAIT) == -1 && errno == EACCES))
        bad |= 32;
    /* q is 0644: reading its state is allowed, sending is not. */
    struct msqid_ds qd;
    if (msgctl(q, IPC_STAT, &qd) != 0)
        bad |= 64;
    return bad;
}

static void test_perms(void)
{
    if (geteuid() != 0) {
        say("skip - permissions as another uid (not root)");
        return;
    }
    int s = shmget(IPC_PRIVATE, 4096, 0600);
    int m = semget(key_base + 5, 1, IPC_CREAT | 0600);
    int q = msgget(IPC_PRIVATE, 0644);
    pid_t pid = fork();
    if (pid == 0)
        _exit(stranger(s, m, q));
    int st;
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a stranger gets EACCES and EPERM", "status %#x", st);
    shmctl(s, IPC_RMID, NULL);
    semctl(m, 0, IPC_RMID);
    msgctl(q, IPC_RMID, NULL);
}

static void test_shm(void)
{
    int s = shmget(IPC_PRIVATE, 8192, 0600);
    char *p = shmat(s, NULL, 0);
    check(p != (void *)-1, "shmat", "errno %d", errno);
    struct shmid_ds sd;
    shmctl(s, IPC_STAT, &sd);
    check_eq(sd.shm_nattch, 1, "nattch after shmat");
    check(p[0] == 0 && p[8191] == 0, "a new segment reads zeros", "failed");
    int ready[2], go[2];
    if (pipe(ready) || pipe(go))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(p + 4096, "from the child");
        char c = 1;
        if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(2);
        _exit(strcmp(p, "from the parent") == 0 ? 0 : 1);
    }
    char c;
    check(read(ready[0], &c, 1) == 1, "the child wrote", "failed");
    check(strcmp(p + 4096, "from the child") == 0, "the parent sees the child's write", "got '%.20s'", p + 4096);
    shmctl(s, IPC_STAT, &sd);
    check_eq(sd.shm_nattch, 2, "fork copies the attachment");
    strcpy(p, "from the parent");
    check(write(go[1], &c, 1) == 1, "told the child", "failed");
    check(child_ok(pid), "the child sees the parent's write", "failed");
    shmctl(s, IPC_STAT, &sd);
    check_eq(sd.shm_nattch, 1, "exit detaches");
    char *ro = shmat(s, NULL, SHM_RDONLY);
    check(ro != (void *)-1 && strcmp(ro, "from the parent") == 0, "a second, read-only attach", "failed");
    check_errno((long)shmat(s, p + 1, 0), EINVAL, "an unaligned address without SHM_RND");
    check_errno((long)shmat(s, p, 0), EINVAL, "an address in use without SHM_REMAP");
    check_errno(shmdt(p + 4096), EINVAL, "shmdt not at an attach's start");
    check_eq(shmdt(ro), 0, "shmdt of the read-only attach");
    check_eq(shmctl(s, IPC_RMID, NULL), 0, "IPC_RMID while attached");
    shmctl(s, IPC_STAT, &sd);
    check(sd.shm_nattch == 1 && (sd.shm_perm.mode & 01000) && sd.shm_perm.__ipc_perm_key == IPC_PRIVATE,
          "the attached segment stays, marked SHM_DEST", "nattch %lu mode %o", (unsigned long)sd.shm_nattch,
          (unsigned)sd.shm_perm.mode);
    check(strcmp(p, "from the parent") == 0, "and its memory still works", "failed");
    check_eq(shmdt(p), 0, "shmdt of the last attach");
    check_errno(shmctl(s, IPC_STAT, &sd), EINVAL, "then the segment is gone");
    check_errno(shmdt(p), EINVAL, "shmdt of nothing");
}

static void test_sem_wait(void)
{
    int m = semget(IPC_PRIVATE, 1, 0600);
    pid_t pid = fork();
    if (pid == 0) {
        struct sembuf down = {0, -1, 0};
        _exit(semop(m, &down, 1) == 0 ? 0 : 1);
    }
    wait_ncnt(m, 1);
    check_eq(semctl(m, 0, GETNCNT), 1, "GETNCNT counts the sleeper");
    struct sembuf up = {0, 1, 0};
    check_eq(semop(m, &up, 1), 0, "semop posts");
    check(child_ok(pid), "the sleeper took it", "failed");
    check_eq(semctl(m, 0, GETVAL), 0, "and the value is back at 0");
    check_eq(semctl(m, 0, GETNCNT), 0, "nobody waits");

    /* SEM_UNDO: a child's operations are undone when it exits. */
    semctl(m, 0, SETVAL, (union semun){.val = 5});
    pid = fork();
    if (pid == 0) {
        struct sembuf ops[2] = {{0, -3, SEM_UNDO}, {0, 1, 0}};
        _exit(semop(m, ops, 2) == 0 && semctl(m, 0, GETVAL) == 3 ? 0 : 1);
    }
    check(child_ok(pid), "the child's operations applied", "failed");
    check_eq(semctl(m, 0, GETVAL), 6, "its SEM_UNDO part was undone at exit");
    semctl(m, 0, SETVAL, (union semun){.val = 0});
    pid = fork();
    if (pid == 0) {
        struct sembuf ops = {0, 2, SEM_UNDO};
        semop(m, &ops, 1);
        _exit(0);
    }
    child_ok(pid);
    check_eq(semctl(m, 0, GETVAL), 0, "an undone post");

    /* semtimedop: a time-out is EAGAIN; a zero wait succeeds at 0. */
    struct sembuf down = {0, -1, 0};
    struct timespec ts = {0, 1000000};
    check_errno(semtimedop(m, &down, 1, &ts), EAGAIN, "semtimedop times out with EAGAIN");
    struct sembuf zero = {0, 0, 0};
    check_eq(semtimedop(m, &zero, 1, &ts), 0, "waiting for zero at zero");
    ts.tv_nsec = 2000000000L;
    check_errno(semtimedop(m, &down, 1, &ts), EINVAL, "a malformed time-out");

    /* IPC_RMID wakes a sleeper with EIDRM. */
    pid = fork();
    if (pid == 0) {
        struct sembuf d = {0, -1, 0};
        _exit(semop(m, &d, 1) == -1 && errno == EIDRM ? 0 : 1);
    }
    wait_ncnt(m, 1);
    check_eq(semctl(m, 0, IPC_RMID), 0, "remove the array under a sleeper");
    check(child_ok(pid), "the sleeper fails with EIDRM", "failed");
}

/* Child A of test_undo_lists: takes 1 with SEM_UNDO, then clones B with
 * CLONE_SYSVSEM (sharing its undo list), which takes 2 more and exits: B's
 * exit must not apply the list A still holds. Exit code 0 when it did not. */
static int undo_sharer(int m)
{
    struct sembuf one = {0, -1, SEM_UNDO}, two = {0, -2, SEM_UNDO};
    if (semop(m, &one, 1) != 0)
        return 10;
    long pid = syscall(SYS_clone, CLONE_SYSVSEM | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(semop(m, &two, 1) == 0 ? 0 : 1);
    if (pid < 0)
        return 11;
    if (!child_ok(pid))
        return 12;
    return semctl(m, 0, GETVAL) == 2 ? 0 : 13;
}

/* Yields until thread `tid` of this process is gone from /proc (its exit
 * let go of everything, its undo list included). */
static void wait_task_gone(int tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d", tid);
    while (access(path, F_OK) == 0)
        sched_yield();
}

struct undo_probe {
    int m, r, tid;
    volatile int ready, go;
};

/* A thread that takes 1 with SEM_UNDO, then waits to be let go. */
static int undo_take_one(void *arg)
{
    struct undo_probe *u = arg;
    struct sembuf one = {0, -1, SEM_UNDO};
    u->tid = (int)syscall(SYS_gettid);
    u->r = semop(u->m, &one, 1);
    thr_set_flag(&u->ready, 1);
    thr_wait_flag(&u->go);
    return 0;
}

static void *undo_take_one_pthread(void *arg)
{
    undo_take_one(arg);
    return NULL;
}

static void test_undo_lists(void)
{
    int m = semget(IPC_PRIVATE, 1, 0600);
    union semun five = {.val = 5};
    /* CLONE_SYSVSEM between processes: the list goes with its last holder. */
    semctl(m, 0, SETVAL, five);
    pid_t a = fork();
    if (a == 0)
        _exit(undo_sharer(m));
    int st = 0;
    waitpid(a, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a CLONE_SYSVSEM child's exit leaves the list its parent holds",
          "status %#x", st);
    check_eq(semctl(m, 0, GETVAL), 5, "the last holder's exit applies both processes' adjustments");

    /* The other order: the first holder exits while the second lives. */
    semctl(m, 0, SETVAL, five);
    int info[2], go[2];
    if (pipe(info) || pipe(go))
        return;
    a = fork();
    if (a == 0) {
        struct sembuf one = {0, -1, SEM_UNDO}, two = {0, -2, SEM_UNDO};
        if (semop(m, &one, 1) != 0)
            _exit(10);
        /* B is the test's child (CLONE_PARENT), so the test can wait for it. */
        long b = syscall(SYS_clone, CLONE_SYSVSEM | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (b == 0) {
            char c;
            _exit(read(go[0], &c, 1) == 1 && semop(m, &two, 1) == 0 ? 0 : 1);
        }
        int pid = (int)b;
        _exit(b > 0 && write(info[1], &pid, sizeof pid) == sizeof pid ? 0 : 11);
    }
    int b = -1;
    if (read(info[0], &b, sizeof b) != sizeof b)
        b = -1;
    check(child_ok(a) && b > 0, "the first holder cloned the second and exited", "b %d", b);
    check_eq(semctl(m, 0, GETVAL), 4, "its exit applies nothing while the other holds the list");
    char c = 1;
    if (write(go[1], &c, 1) != 1)
        say("write failed");
    check(b > 0 && child_ok(b), "the second holder took 2 and exited", "b %d", b);
    check_eq(semctl(m, 0, GETVAL), 5, "the second's exit applies the whole list");
    close(info[0]);
    close(info[1]);
    close(go[0]);
    close(go[1]);

    /* A thread without CLONE_SYSVSEM has a list of its own. */
    semctl(m, 0, SETVAL, (union semun){.val = 1});
    struct undo_probe u = {.m = m};
    struct thr_raw t;
    if (thr_raw_start(&t, undo_take_one, &u, CLONE_FILES | CLONE_FS, "clone a thread without CLONE_SYSVSEM")) {
        thr_wait_flag(&u.ready);
        check(u.r == 0 && semctl(m, 0, GETVAL) == 0, "the thread took 1 with SEM_UNDO", "r %d", u.r);
        thr_set_flag(&u.go, 1);
        thr_raw_join(&t);
        wait_task_gone(u.tid);
        check_eq(semctl(m, 0, GETVAL), 1, "a thread without CLONE_SYSVSEM: its own list is applied at its exit");
    }

    /* pthread_create shares the list (CLONE_SYSVSEM): nothing at the
     * thread's exit; unshare(CLONE_SYSVSEM) by the last holder applies it. */
    struct undo_probe v = {.m = m};
    pthread_t pt;
    if (thr_start(&pt, undo_take_one_pthread, &v, "pthread_create for SEM_UNDO")) {
        thr_wait_flag(&v.ready);
        thr_set_flag(&v.go, 1);
        thr_join(pt, "join the SEM_UNDO thread");
        wait_task_gone(v.tid);
        check(v.r == 0 && semctl(m, 0, GETVAL) == 0, "a thread sharing the list: its exit applies nothing",
              "r %d val %d", v.r, semctl(m, 0, GETVAL));
        check_eq(unshare(CLONE_SYSVSEM), 0, "unshare(CLONE_SYSVSEM)");
        check_eq(semctl(m, 0, GETVAL), 1, "unshare by the list's last holder applies it");
        struct sembuf one = {0, -1, SEM_UNDO};
        check(semop(m, &one, 1) == 0 && semctl(m, 0, GETVAL) == 0, "SEM_UNDO after unshare starts a new list",
              "failed");
        unshare(CLONE_SYSVSEM);
        check_eq(semctl(m, 0, GETVAL), 1, "which the next unshare applies");
    }
    semctl(m, 0, IPC_RMID);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void test_msg(void)
{
    int q = msgget(IPC_PRIVATE, 0600);
    struct {
        long type;
        char text[32];
    } mb;
    long types[] = {5, 3, 7, 3, 1};
    for (int i = 0; i < 5; i++) {
        mb.type = types[i];
        mb.text[0] = (char)('a' + i);
        msgsnd(q, &mb, 10, 0);
    }
    mb.type = 0;
    check_errno(msgsnd(q, &mb, 1, 0), EINVAL, "msgsnd of type 0");
    check_errno(msgrcv(q, &mb, 32, 3, MSG_EXCEPT | MSG_COPY), EINVAL, "MSG_COPY without IPC_NOWAIT");
    check_eq(msgrcv(q, &mb, 32, 3, 0), 10, "msgrcv of type 3");
    check(mb.type == 3 && mb.text[0] == 'b', "the first message of type 3", "type %ld", mb.type);
    check_eq(msgrcv(q, &mb, 32, 5, MSG_EXCEPT), 10, "msgrcv MSG_EXCEPT 5");
    check(mb.type == 7, "the first message of another type", "type %ld", mb.type);
    check_eq(msgrcv(q, &mb, 32, -4, 0), 10, "msgrcv of type -4");
    check(mb.type == 1, "the lowest type at most 4", "type %ld", mb.type);
    check_errno(msgrcv(q, &mb, 4, 0, 0), E2BIG, "a message larger than the buffer: E2BIG");
    check_eq(msgrcv(q, &mb, 4, 0, MSG_NOERROR), 4, "MSG_NOERROR truncates");
    check(mb.type == 5 && mb.text[0] == 'a', "the message E2BIG left in the queue", "type %ld", mb.type);
    check_eq(msgrcv(q, &mb, 32, 0, 0), 10, "the last message");
    check_errno(msgrcv(q, &mb, 32, 0, IPC_NOWAIT), ENOMSG, "an empty queue with IPC_NOWAIT: ENOMSG");

    /* A sender wakes a sleeping receiver in another process. */
    int ready[2];
    if (pipe(ready))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        if (read(ready[0], &c, 1) != 1)
            _exit(2);
        mb.type = 9;
        strcpy(mb.text, "late");
        _exit(msgsnd(q, &mb, 5, 0) == 0 ? 0 : 1);
    }
    char c = 1;
    check(write(ready[1], &c, 1) == 1, "started the sender", "failed");
    check_eq(msgrcv(q, &mb, 32, 9, 0), 5, "msgrcv waits for the sender");
    check(strcmp(mb.text, "late") == 0, "and gets its message", "failed");
    check(child_ok(pid), "the sender succeeded", "failed");

    /* A handler cuts msgrcv short: EINTR, even with SA_RESTART. The timer
     * repeats, so one expiry surely finds msgrcv asleep. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    long r = msgrcv(q, &mb, 32, 0, 0);
    int e = errno;
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    check(r == -1 && e == EINTR && alarms > 0, "msgrcv interrupted by a handler: EINTR", "r %ld errno %d", r, e);
    signal(SIGALRM, SIG_DFL);

    /* IPC_RMID wakes a blocked receiver with EIDRM. */
    if (pipe(ready))
        return;
    pid = fork();
    if (pid == 0) {
        close(ready[0]);
        _exit(msgrcv(q, &mb, 32, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
    }
    close(ready[1]);
    /* Wait until the child sleeps: its state in /proc, polled without time. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (;;) {
        char st = stat_state(path);
        if (st == '?' || st == 'S')
            break;
        sched_yield();
    }
    check_eq(msgctl(q, IPC_RMID, NULL), 0, "remove the queue under a receiver");
    check(child_ok(pid), "the receiver fails with EIDRM", "failed");
}

/* Reads /proc/sysvipc/NAME: checks its header line against `header` and
 * copies the line whose second column is `id` to `line`. */
static bool proc_line(const char *name, const char *header, int id, char *line, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", name);
    FILE *f = fopen(path, "r");
    if (!check(f != NULL, path, "open: errno %d", errno))
        return false;
    char buf[512];
    bool found = false;
    bool head = fgets(buf, sizeof buf, f) != NULL && strcmp(buf, header) == 0;
    check(head, "the header line is Linux's", "%s: got \"%s\"", path, buf);
    while (fgets(buf, sizeof buf, f)) {
        int k, i;
        if (sscanf(buf, "%d %d", &k, &i) == 2 && i == id) {
            snprintf(line, len, "%s", buf);
            found = true;
        }
    }
    fclose(f);
    return check(found, "the object has a line of its own", "%s: no line for id %d", path, id);
}

static void test_proc(void)
{
    key_t k = key_base + 20;
    char line[512], want[512];
    int s = shmget(k, 10000, IPC_CREAT | IPC_EXCL | 0640);
    char *at = shmat(s, NULL, 0);
    if (!check(s >= 0 && at != (void *)-1, "make and attach a segment", "errno %d", errno))
        return;
    at[0] = 1; /* one page in memory */
    if (proc_line("shm", "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid"
                         "      atime      dtime      ctime                   rss                  swap\n",
                  s, line, sizeof line)) {
        unsigned long long atime = 0, dtime = 1, ctime = 0;
        sscanf(line, "%*d %*d %*o %*u %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu", &atime, &dtime, &ctime);
        snprintf(want, sizeof want, "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu %21lu\n",
                 (int)k, s, 0640, 10000UL, (int)getpid(), (int)getpid(), 1UL, (unsigned)geteuid(), (unsigned)getegid(),
                 (unsigned)geteuid(), (unsigned)getegid(), atime, 0ULL, ctime, 4096UL, 0UL);
        check(strcmp(line, want) == 0 && atime > 0 && ctime > 0,
              "/proc/sysvipc/shm: key, id, perms, size, pids, nattch, ids, times, rss and swap", "got \"%s\" want \"%s\"",
              line, want);
    }
    int m = semget(k + 1, 3, IPC_CREAT | IPC_EXCL | 0600);
    struct sembuf up = {0, 1, 0};
    if (check(m >= 0 && semop(m, &up, 1) == 0, "make an array and post to it", "errno %d", errno) &&
        proc_line("sem", "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n", m, line,
                  sizeof line)) {
        unsigned long long otime = 0, ctime = 0;
        sscanf(line, "%*d %*d %*o %*u %*u %*u %*u %*u %llu %llu", &otime, &ctime);
        snprintf(want, sizeof want, "%10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu\n", (int)(k + 1), m, 0600, 3u,
                 (unsigned)geteuid(), (unsigned)getegid(), (unsigned)geteuid(), (unsigned)getegid(), otime, ctime);
        check(strcmp(line, want) == 0 && otime > 0 && ctime > 0, "/proc/sysvipc/sem: key, id, perms, nsems, ids, times",
              "got \"%s\" want \"%s\"", line, want);
    }
    int q = msgget(k + 2, IPC_CREAT | IPC_EXCL | 0660);
    struct {
        long type;
        char text[8];
    } msg = {7, "hello"};
    if (check(q >= 0 && msgsnd(q, &msg, 5, 0) == 0, "make a queue and send to it", "errno %d", errno) &&
        proc_line("msg",
                  "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime"
                  "      ctime\n",
                  q, line, sizeof line)) {
        unsigned long long stime = 0, rtime = 1, ctime = 0;
        sscanf(line, "%*d %*d %*o %*u %*u %*d %*d %*u %*u %*u %*u %llu %llu %llu", &stime, &rtime, &ctime);
        snprintf(want, sizeof want, "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu\n",
                 (int)(k + 2), q, 0660, 5UL, 1UL, (unsigned)getpid(), 0u, (unsigned)geteuid(), (unsigned)getegid(),
                 (unsigned)geteuid(), (unsigned)getegid(), stime, 0ULL, ctime);
        check(strcmp(line, want) == 0 && stime > 0 && ctime > 0,
              "/proc/sysvipc/msg: key, id, perms, bytes, count, pids, ids, times", "got \"%s\" want \"%s\"", line, want);
    }

    /* The listing commands: *_INFO return the highest index in use; the
     * *_STAT commands take an index and return the object's id. */
    struct shminfo si;
    struct shm_info su;
    int max = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
    check(max >= 0 && si.shmmin == 1 && si.shmmni > 0, "shmctl IPC_INFO: limits and the highest index", "%d", max);
    int max2 = shmctl(0, SHM_INFO, (struct shmid_ds *)&su);
    check(max2 == max && su.used_ids >= 1, "shmctl SHM_INFO: segments in use", "%d, %d used", max2, su.used_ids);
    int found = 0;
    for (int i = 0; i <= max; i++) {
        struct shmid_ds ds;
        if (shmctl(i, SHM_STAT, &ds) == s) {
            found++;
            check(ds.shm_segsz == 10000 && ds.shm_nattch == 1 && ds.shm_cpid == getpid(),
                  "SHM_STAT fills the segment's shmid_ds", "size %zu nattch %lu", (size_t)ds.shm_segsz,
                  (unsigned long)ds.shm_nattch);
            check_eq(syscall(SYS_shmctl, i, SHM_STAT_ANY_, &ds), s, "SHM_STAT_ANY of the same index");
        }
    }
    check_eq(found, 1, "SHM_STAT of one index returns the segment's id");
    struct shmid_ds ds;
    check_errno(shmctl(max + 1, SHM_STAT, &ds), EINVAL, "SHM_STAT past the highest index: EINVAL");

    struct seminfo mi;
    max = semctl(0, 0, IPC_INFO, (union semun){.buf = (struct semid_ds *)&mi});
    check(max >= 0 && mi.semmsl > 0 && mi.semopm > 0, "semctl IPC_INFO: limits and the highest index", "%d", max);
    max2 = semctl(0, 0, SEM_INFO, (union semun){.buf = (struct semid_ds *)&mi});
    check(max2 == max && mi.semusz >= 1 && mi.semaem >= 3, "semctl SEM_INFO: arrays and semaphores in use",
          "%d, %d arrays, %d semaphores", max2, mi.semusz, mi.semaem);
    found = 0;
    for (int i = 0; i <= max; i++) {
        struct semid_ds sd;
        if (semctl(i, 0, SEM_STAT, (union semun){.buf = &sd}) == m) {
            found++;
            check(sd.sem_nsems == 3, "SEM_STAT fills the array's semid_ds", "nsems %lu", (unsigned long)sd.sem_nsems);
            check_eq(syscall(SYS_semctl, i, 0, SEM_STAT_ANY_, &sd), m, "SEM_STAT_ANY of the same index");
        }
    }
    check_eq(found, 1, "SEM_STAT of one index returns the array's id");

    struct msginfo qi;
    max = msgctl(0, IPC_INFO, (struct msqid_ds *)&qi);
    check(max >= 0 && qi.msgmax > 0 && qi.msgmnb > 0, "msgctl IPC_INFO: limits and the highest index", "%d", max);
    max2 = msgctl(0, MSG_INFO, (struct msqid_ds *)&qi);
    check(max2 == max && qi.msgpool >= 1 && qi.msgmap >= 1 && qi.msgtql >= 5,
          "msgctl MSG_INFO: queues, messages and bytes in use", "%d: %d %d %d", max2, qi.msgpool, qi.msgmap, qi.msgtql);
    found = 0;
    for (int i = 0; i <= max; i++) {
        struct msqid_ds qd;
        if (msgctl(i, MSG_STAT, &qd) == q) {
            found++;
            check(qd.msg_qnum == 1 && qd.msg_cbytes == 5 && qd.msg_lspid == getpid(),
                  "MSG_STAT fills the queue's msqid_ds", "qnum %lu", (unsigned long)qd.msg_qnum);
            check_eq(syscall(SYS_msgctl, i, MSG_STAT_ANY_, &qd), q, "MSG_STAT_ANY of the same index");
        }
    }
    check_eq(found, 1, "MSG_STAT of one index returns the queue's id");

    shmdt(at);
    shmctl(s, IPC_RMID, NULL);
    semctl(m, 0, IPC_RMID);
    msgctl(q, IPC_RMID, NULL);
}

int main(void)
{
    check_init("t_ipc");
    key_base = (key_t)(0x4d500000 | ((getpid() & 0xfff) << 4));
    test_keys();
    test_stat_set();
    test_perms();
    test_shm();
    test_sem_wait();
    test_undo_lists();
    test_msg();
    test_proc();
    return check_finish();
}
