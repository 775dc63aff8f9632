/*
 * Cooperative threads (libos-internal).  One vCPU, no preemption: a thread
 * runs until it blocks or yields.  When no thread can run, the scheduler
 * waits in the platform until the earliest deadline or a wanted event, so an
 * idle guest costs the host no CPU.
 */
#ifndef LIBOS_SCHED_H
#define LIBOS_SCHED_H

#include <stddef.h>
#include <stdint.h>

#define TC_NO_DEADLINE UINT64_MAX
/* tc_block: a signal handler ran, and had SA_RESTART (else it returns -EINTR). */
#define TC_RESTART (-4096L)
#define TC_KEYS_MAX 64

/* Names the networking object (linked only into apps that use sockets)
 * calls across from libos.o: kept global, in the implementation's name space. */
#define tc_self __tincan_tc_self
#define tc_block __tincan_tc_block
#define tc_wake_one __tincan_tc_wake_one
#define tc_wake_all __tincan_tc_wake_all
#define tc_sched_add_io __tincan_tc_sched_add_io

struct tc_thread;

struct tc_waitq {
	struct tc_thread *head, *tail;
};

/* The running thread. */
struct tc_thread *tc_self(void);

/* Start a thread running fn(arg) on a stack of stack_size bytes; NULL with
 * *err = -ENOMEM or -EAGAIN on failure. */
struct tc_thread *tc_spawn(void *(*fn)(void *), void *arg, size_t stack_size, int detached, int *err);

/*
 * Block the running thread on q (may be NULL) until woken by tc_wake_*,
 * until deadline (monotonic ns), or until one of the platform events in
 * `events` is ready.  Returns 0 when woken, -ETIMEDOUT at the deadline, or
 * the ready events (> 0).
 */
long tc_block(struct tc_waitq *q, uint64_t deadline, unsigned events);

/* Make threads blocked on q runnable. */
void tc_wake_one(struct tc_waitq *q);
void tc_wake_all(struct tc_waitq *q);

/* Let every other runnable thread run once. */
void tc_yield(void);

/* Is any other thread alive?  (Blocking calls may wait in the platform
 * directly when not.) */
int tc_alone(void);

/* End the running thread with a value for pthread_join.  The last thread
 * to end ends the guest with exit(0). */
__attribute__((__noreturn__)) void tc_exit(void *value);

/* Wait for t to end; its value in *value.  -EINVAL if detached, -EDEADLK
 * for self, -ESRCH if unknown. */
int tc_join(struct tc_thread *t, void **value);
int tc_detach(struct tc_thread *t);
int tc_valid(struct tc_thread *t);

/* Thread-specific data slots, indexed by key. */
void **tc_specific(struct tc_thread *t);

/* An I/O source the scheduler drives (the network stack, ...): poll() runs
 * whenever a thread gives up the CPU and after every wait; deadline() and
 * events() say when the idle scheduler must wake for it.  Only poll is
 * required. */
struct tc_io {
	void (*poll)(void);
	uint64_t (*deadline)(void);
	unsigned (*events)(void);
	void (*waiting)(void); /* the scheduler is about to wait in the platform */
};

/* Add an I/O source (at most TC_IO_MAX; panics beyond).  Sources run in
 * the order they were added; io must live for the rest of the run. */
#define TC_IO_MAX 4
void tc_sched_add_io(const struct tc_io *io);

/* Signals (signal.c): the hooks it sets, each thread's mask and pending
 * set, and waking a thread a new signal is for (NULL: any that does not
 * block it).  tc_sig_hook runs whenever a thread resumes in tc_block or
 * tc_yield; what it returns (nonzero) tc_block returns. */
extern uint64_t (*tc_timer_hook)(uint64_t now);
extern long (*tc_sig_hook)(void);
extern void (*tc_host_sig_hook)(int sig); /* SIGINT/SIGTERM from the host */
extern int tc_sig_waiting; /* threads in sigsuspend: no deadlock while the host may signal */
unsigned long *tc_sigmask(struct tc_thread *t);
unsigned long *tc_sigpending(struct tc_thread *t);
void tc_sig_kick(struct tc_thread *t, unsigned long bit);

/* Called once at boot, on the boot stack. */
void tc_sched_init(void);

/* Added to the wanted events of the wait the scheduler makes when no
 * thread can run: PLAT_EV_SNAPSHOT from main() on, so that the host may
 * snapshot the guest there (the automatic ready point), until the app
 * picks its own with tincan_ready() (snapshot.c). */
extern unsigned tc_idle_snapshot;

/*
 * Cancellation (cancel.c).  A thread's TC_CANCEL_* bits; the innermost
 * pthread_cleanup_push record; tc_cancel_hook (set once a program cancels a
 * thread) runs where tc_block returns (a cancellation point) and, for
 * asynchronous cancellation, where tc_yield returns.  tc_block_nocancel is
 * tc_block for waits that are not cancellation points (mutexes, once,
 * rwlocks, the wait inside pthread_cond_wait before the mutex is back).
 */
#define TC_CANCEL_PENDING 1u
#define TC_CANCEL_DISABLED 2u
#define TC_CANCEL_ASYNC 4u
#define TC_CANCEL_NOPOINT 8u
#define TC_CANCEL_LATER 16u /* a cancellation point that acts itself, later (cond_wait) */
#define tc_cancel_hook __tincan_tc_cancel_hook
#define tc_block_nocancel __tincan_tc_block_nocancel
extern void (*tc_cancel_hook)(void);
long tc_block_nocancel(struct tc_waitq *q, uint64_t deadline, unsigned events);
unsigned *tc_cancel_state(struct tc_thread *t);
void **tc_cleanup_top(struct tc_thread *t);
void tc_cancel_kick(struct tc_thread *t);

#endif
