/*
 * Cooperative threads; see sched.h.  The ready queue and every wait queue
 * are FIFO lists through tc_thread.next/prev, so a thread is in at most one
 * queue.  Threads blocked with a deadline sit in a min-heap by deadline,
 * those blocked for platform events in an array, and the union of the
 * events wanted is kept per bit: a server with a thousand threads (one per
 * connection, each with a receive timeout) pays O(log n) per switch, not a
 * walk of every thread.
 */
#include "sched.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "fd.h"
#include "internal.h"
#include "tls.h"
#include <tincan.h>

#define CANARY 0x7463737461636b21ULL /* "tcstack!" */
#define POLL_EVERY_NS 1000000ULL
#define PAGE 4096

enum state { READY, RUNNING, BLOCKED, DONE };

struct tc_thread {
	void *sp; /* saved stack pointer while not running */
	struct tc_thread *next, *prev; /* in the ready queue or one wait queue */
	struct tc_thread *all; /* list of all threads */
	struct tc_waitq *waitq; /* the queue it is blocked on, if any */
	enum state state;
	uint64_t deadline;
	unsigned events;
	int heap_at, ev_at; /* where in the deadline heap and event waiters; -1: not */
	long result; /* what tc_block returns */
	struct tc_tls tls; /* its TLS block and newlib state (errno...) */
	int detached;
	uint64_t *stack; /* NULL for the boot thread */
	char *mem; /* its allocation: a guard page, then the stack */
	size_t size; /* of mem */
	int guarded; /* that page is a guard page now */
	void *(*fn)(void *);
	void *arg;
	void *value; /* for pthread_join */
	struct tc_waitq joiners;
	void *specific[TC_KEYS_MAX];
	unsigned long sigmask, sigpending; /* signal.c */
	unsigned cancel; /* TC_CANCEL_* (cancel.c) */
	void *cleanup; /* pthread_cleanup_push's records, innermost first */
};

void tc_thread_cleanup(struct tc_thread *t); /* pthread.c: key destructors */

static struct tc_thread boot_thread;
static struct tc_thread *current = &boot_thread, *threads = &boot_thread;
static struct tc_waitq ready;
static const struct tc_io *ios[TC_IO_MAX];
static int nio;

/* Set by signal.c once a program uses signals (so programs that do not
 * link none of it): timers fire from the scheduler, handlers run where a
 * thread resumes. */
uint64_t (*tc_timer_hook)(uint64_t now);
long (*tc_sig_hook)(void);
void (*tc_host_sig_hook)(int sig);
int tc_sig_waiting;
unsigned tc_idle_snapshot;

/* The host asked the guest to stop (SIGINT, SIGTERM; seen by a wait): the
 * signal for the program if it uses signals, else their default action. */
static void host_signals(void)
{
	unsigned hs = plat_host_signals();
	for (int sig = 2; hs; sig = 15) {
		if (!(hs & (1u << sig)))
			continue;
		hs &= ~(1u << sig);
		if (tc_host_sig_hook) {
			tc_host_sig_hook(sig);
			continue;
		}
		static const char term[] = "killed by signal 15 (SIGTERM)\n", intr[] = "killed by signal 2 (SIGINT)\n";
		(void)!write(2, sig == 15 ? term : intr, sig == 15 ? sizeof term - 1 : sizeof intr - 1);
		_exit(128 + sig);
	}
}

void tc_sched_add_io(const struct tc_io *io)
{
	if (nio == TC_IO_MAX)
		tincan_panic("more than %d I/O sources", TC_IO_MAX);
	ios[nio++] = io;
}

static void io_poll(void)
{
	for (int i = 0; i < nio; i++)
		ios[i]->poll();
}

/* The earlier of deadline and the sources' deadlines; the events they want
 * in *events. */
static uint64_t io_deadline(uint64_t deadline, unsigned *events)
{
	*events = 0;
	for (int i = 0; i < nio; i++) {
		uint64_t d = ios[i]->deadline ? ios[i]->deadline() : TC_NO_DEADLINE;
		if (d < deadline)
			deadline = d;
		if (ios[i]->events)
			*events |= ios[i]->events();
	}
	return deadline;
}

static void io_waiting(void)
{
	for (int i = 0; i < nio; i++)
		if (ios[i]->waiting)
			ios[i]->waiting();
}
static struct tc_thread *zombies; /* ended detached threads, freed once off their stacks */
static int live = 1;
static uint64_t last_poll;

static void push(struct tc_waitq *q, struct tc_thread *t)
{
	t->next = NULL;
	t->prev = q->tail;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static void unlink_from(struct tc_waitq *q, struct tc_thread *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		q->tail = t->prev;
	t->next = t->prev = NULL;
}

static struct tc_thread *pop(struct tc_waitq *q)
{
	struct tc_thread *t = q->head;
	if (t)
		unlink_from(q, t);
	return t;
}

/* Room for every live thread in the deadline heap and the event waiters,
 * kept by tc_spawn (sched_room), so blocking never allocates; the boot
 * thread starts with the static room. */
#define ROOM0 2 /* the boot thread alone, and room to spare */
static struct tc_thread *heap0[ROOM0], *evw0[ROOM0];
static struct tc_thread **heap = heap0, **evw = evw0;
static int nheap, nevw, room = ROOM0;

static int sched_room(int want)
{
	if (want <= room)
		return 0;
	int cap = 2 * room;
	struct tc_thread **h = malloc((size_t)cap * sizeof *h), **e = malloc((size_t)cap * sizeof *e);
	if (!h || !e) {
		free(h);
		free(e);
		return -1;
	}
	memcpy(h, heap, (size_t)nheap * sizeof *h);
	memcpy(e, evw, (size_t)nevw * sizeof *e);
	if (heap != heap0) {
		free(heap);
		free(evw);
	}
	heap = h;
	evw = e;
	room = cap;
	return 0;
}

/* ---- blocked threads with a deadline: a min-heap ---- */
static void heap_put(int i, struct tc_thread *t)
{
	heap[i] = t;
	t->heap_at = i;
}

static void heap_up(int i)
{
	struct tc_thread *t = heap[i];
	while (i > 0 && heap[(i - 1) / 2]->deadline > t->deadline) {
		heap_put(i, heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(i, t);
}

static void heap_down(int i)
{
	struct tc_thread *t = heap[i];
	for (;;) {
		int c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && heap[c + 1]->deadline < heap[c]->deadline)
			c++;
		if (heap[c]->deadline >= t->deadline)
			break;
		heap_put(i, heap[c]);
		i = c;
	}
	heap_put(i, t);
}

static void heap_add(struct tc_thread *t)
{
	heap_put(nheap++, t);
	heap_up(nheap - 1);
}

static void heap_del(struct tc_thread *t)
{
	int i = t->heap_at;
	t->heap_at = -1;
	if (--nheap == i)
		return;
	heap_put(i, heap[nheap]);
	heap_up(i);
	heap_down(heap[i]->heap_at);
}

/* ---- blocked threads waiting for platform events: few, in an array ---- */
static unsigned ev_count[32], ev_mask; /* threads wanting each event bit */

static void evw_add(struct tc_thread *t)
{
	evw[nevw] = t;
	t->ev_at = nevw++;
	for (unsigned e = t->events; e; e &= e - 1)
		if (ev_count[__builtin_ctz(e)]++ == 0)
			ev_mask |= e & -e;
}

static void evw_del(struct tc_thread *t)
{
	int i = t->ev_at;
	t->ev_at = -1;
	evw[i] = evw[--nevw];
	evw[i]->ev_at = i;
	for (unsigned e = t->events; e; e &= e - 1)
		if (--ev_count[__builtin_ctz(e)] == 0)
			ev_mask &= ~(e & -e);
}

/* Blocked -> ready, with what tc_block will return. */
static void make_ready(struct tc_thread *t, long result)
{
	if (t->waitq)
		unlink_from(t->waitq, t);
	if (t->heap_at >= 0)
		heap_del(t);
	if (t->ev_at >= 0)
		evw_del(t);
	t->waitq = NULL;
	t->result = result;
	t->state = READY;
	push(&ready, t);
}

struct tc_thread *tc_self(void)
{
	return current;
}

int tc_alone(void)
{
	return live == 1 && threads == current && !current->all;
}

void tc_sched_init(void)
{
	boot_thread.state = RUNNING;
	boot_thread.deadline = TC_NO_DEADLINE;
	boot_thread.heap_at = boot_thread.ev_at = -1;
	tc_tls_boot(&boot_thread.tls);
}

/* Stacks of ended threads, their guard pages still in place, for the next
 * threads: arming and disarming a guard costs two exits (kvm: ~60 us in
 * all), a kept stack none. */
#define KEEP_MAX 8
static struct {
	char *mem;
	size_t size;
} kept[KEEP_MAX];
static int nkept;

/* A kept stack of at least size bytes (and at most twice), or NULL. */
static char *take_kept(size_t *size)
{
	for (int i = 0; i < nkept; i++)
		if (kept[i].size >= *size && kept[i].size / 2 <= *size) {
			char *mem = kept[i].mem;
			*size = kept[i].size;
			kept[i] = kept[--nkept];
			return mem;
		}
	return NULL;
}

/* Free an ended thread's memory; never the running one's. */
static void release(struct tc_thread *t)
{
	if (t->guarded && nkept < KEEP_MAX) {
		kept[nkept].mem = t->mem;
		kept[nkept++].size = t->size;
	} else {
		if (t->guarded && plat_guard_page((uintptr_t)t->mem, 0) < 0)
			tincan_panic("cannot take back the guard page at %p", (void *)t->mem);
		free(t->mem);
	}
	free(t);
}

/* Wake threads whose deadline passed; returns the earliest deadline left
 * and the union of the events blocked threads want. */
static uint64_t check_deadlines(uint64_t now, unsigned *events)
{
	while (nheap && heap[0]->deadline <= now)
		make_ready(heap[0], -ETIMEDOUT);
	*events = ev_mask;
	return nheap ? heap[0]->deadline : TC_NO_DEADLINE;
}

/* Wake the threads waiting for any of got.  Walking down, the waiter a
 * removal moves into slot i has already been looked at. */
static void deliver_events(unsigned got)
{
	if (!(got & ev_mask))
		return;
	for (int i = nevw - 1; i >= 0; i--) {
		struct tc_thread *t = evw[i];
		if (t->events & got)
			make_ready(t, (long)(t->events & got));
	}
}

/* Free ended detached threads; never the one whose stack we are on. */
static void reap(void)
{
	while (zombies && zombies != current) {
		struct tc_thread *z = zombies;
		zombies = z->next;
		release(z);
	}
}

static void switch_to(struct tc_thread *next)
{
	struct tc_thread *prev = current;
	/* Thread stacks come from the heap, with a guard page below when the
	 * platform could make one (a run over it faults at once).  Without:
	 * a thread that is below its stack now, or ran over the canary at
	 * its bottom, has already scribbled on memory below: stop here. */
	if (prev->stack &&
	    (prev->stack[0] != CANARY || (uintptr_t)__builtin_frame_address(0) < (uintptr_t)prev->stack + 512))
		tincan_panic("thread stack overflow (a thread used more than its stack size)");
	if (next == prev) {
		prev->state = RUNNING;
		return;
	}
	current = next;
	next->state = RUNNING;
	tc_tls_switch(&next->tls);
	tc_switch(&prev->sp, next->sp);
	/* Back on prev's stack. */
	reap();
}

/* Give the CPU to the next ready thread, waiting in the platform while
 * there is none.  Returns when the running thread runs again. */
static void schedule(void)
{
	for (;;) {
		unsigned events, io_events;
		io_poll();
		uint64_t now = plat_clock_monotonic_ns();
		uint64_t timers = tc_timer_hook ? tc_timer_hook(now) : TC_NO_DEADLINE;
		uint64_t deadline = io_deadline(check_deadlines(now, &events), &io_events);
		if (timers < deadline)
			deadline = timers;
		/* Threads waiting for events must not starve behind busy ones. */
		if ((events | io_events) && ready.head && now - last_poll > POLL_EVERY_NS) {
			last_poll = now;
			io_waiting();
			unsigned got = plat_wait(0, events | io_events);
			if (got)
				deliver_events(got);
			host_signals();
		}
		struct tc_thread *next = pop(&ready);
		if (next) {
			switch_to(next);
			return;
		}
		/* (pause() and sigsuspend() wait for the host's signals.) */
		if (deadline == TC_NO_DEADLINE && !events && !io_events && !tc_sig_waiting)
			tincan_panic("deadlock: every thread is blocked and nothing can wake one");
		io_waiting();
		unsigned got = plat_wait(deadline, events | io_events | tc_idle_snapshot);
		uint64_t after = plat_clock_monotonic_ns();
		libos.idle_ns += after - now;
		last_poll = after;
		if (got)
			deliver_events(got);
		host_signals();
	}
}

void (*tc_cancel_hook)(void);

long tc_block(struct tc_waitq *q, uint64_t deadline, unsigned events)
{
	struct tc_thread *self = current;
	self->state = BLOCKED;
	self->deadline = deadline;
	self->events = events;
	self->result = 0;
	self->waitq = q;
	if (deadline != TC_NO_DEADLINE)
		heap_add(self);
	if (events)
		evw_add(self);
	if (q)
		push(q, self);
	schedule();
	self->deadline = TC_NO_DEADLINE;
	self->events = 0;
	if (tc_sig_hook) {
		long r = tc_sig_hook();
		if (r) {
			if (tc_cancel_hook)
				tc_cancel_hook();
			return r;
		}
	}
	if (tc_cancel_hook)
		tc_cancel_hook();
	return self->result;
}

long tc_block_nocancel(struct tc_waitq *q, uint64_t deadline, unsigned events)
{
	unsigned was = current->cancel & TC_CANCEL_NOPOINT;
	current->cancel |= TC_CANCEL_NOPOINT;
	long r = tc_block(q, deadline, events);
	current->cancel = (current->cancel & ~TC_CANCEL_NOPOINT) | was;
	return r;
}

unsigned *tc_cancel_state(struct tc_thread *t)
{
	return &t->cancel;
}

void **tc_cleanup_top(struct tc_thread *t)
{
	return &t->cleanup;
}

/* A cancellation request for t: a thread blocked at a cancellation point
 * wakes to act on it. */
void tc_cancel_kick(struct tc_thread *t)
{
	if (t->state == BLOCKED && !(t->cancel & (TC_CANCEL_NOPOINT | TC_CANCEL_DISABLED)))
		make_ready(t, -EINTR);
}

void tc_wake_one(struct tc_waitq *q)
{
	struct tc_thread *t = q->head;
	if (t)
		make_ready(t, 0);
}

/* Wake-ups of fd_activity: epoll's edge trigger looks for news (fd.h). */
unsigned long fd_activity_gen;

void tc_wake_all(struct tc_waitq *q)
{
	if (q == &fd_activity)
		fd_activity_gen++;
	while (q->head)
		make_ready(q->head, 0);
}

void tc_yield(void)
{
	current->state = READY;
	push(&ready, current);
	schedule();
	if (tc_sig_hook)
		tc_sig_hook();
	if (tc_cancel_hook && (current->cancel & TC_CANCEL_ASYNC))
		tc_cancel_hook();
}

static void thread_main(void *arg)
{
	struct tc_thread *t = arg;
	errno = 0;
	reap();
	tc_exit(t->fn(t->arg));
}

struct tc_thread *tc_spawn(void *(*fn)(void *), void *arg, size_t stack_size, int detached, int *err)
{
	struct tc_thread *t = calloc(1, sizeof *t);
	stack_size = (stack_size + 15) & ~(size_t)15;
	/* One allocation: a page the platform makes a guard page if it can,
	 * the stack, then the thread's TLS block and newlib state. */
	size_t size = PAGE + stack_size + tc_tls_size();
	int room = t && sched_room(live + 1) == 0;
	char *mem = room ? take_kept(&size) : NULL;
	if (mem) {
		t->guarded = 1;
	} else if (room && (mem = memalign(PAGE, size))) {
		t->guarded = plat_guard_page((uintptr_t)mem, 1) == 0;
	} else {
		free(t);
		*err = -EAGAIN;
		return NULL;
	}
	t->mem = mem;
	t->size = size;
	uint64_t *stack = (uint64_t *)(mem + PAGE);
	stack[0] = CANARY;
	char *top = tc_tls_make(mem + size, &t->tls);
	t->sp = arch_thread_frame(top, thread_main, t);
	t->stack = stack;
	t->fn = fn;
	t->arg = arg;
	t->detached = detached;
	t->deadline = TC_NO_DEADLINE;
	t->heap_at = t->ev_at = -1;
	t->sigmask = current->sigmask;
	t->all = threads;
	threads = t;
	live++;
	t->state = READY;
	push(&ready, t);
	return t;
}

int tc_valid(struct tc_thread *t)
{
	for (struct tc_thread *p = threads; p; p = p->all)
		if (p == t)
			return 1;
	return 0;
}

static void forget(struct tc_thread *t)
{
	for (struct tc_thread **p = &threads; *p; p = &(*p)->all)
		if (*p == t) {
			*p = t->all;
			return;
		}
}

void tc_exit(void *value)
{
	struct tc_thread *self = current;
	tc_thread_cleanup(self);
	tc_tls_end(&self->tls);
	self->value = value;
	self->state = DONE;
	tc_wake_all(&self->joiners);
	if (--live == 0)
		exit(0);
	if (self->detached) {
		forget(self);
		if (self->stack) {
			self->next = zombies; /* freed once we are off its stack */
			zombies = self;
		}
	}
	schedule();
	__builtin_unreachable();
}

int tc_join(struct tc_thread *t, void **value)
{
	if (!tc_valid(t))
		return -ESRCH;
	if (t == current)
		return -EDEADLK;
	if (t->detached)
		return -EINVAL;
	while (t->state != DONE)
		tc_block(&t->joiners, TC_NO_DEADLINE, 0);
	if (value)
		*value = t->value;
	forget(t);
	if (t->stack)
		release(t);
	return 0;
}

int tc_detach(struct tc_thread *t)
{
	if (!tc_valid(t))
		return -ESRCH;
	if (t->detached)
		return -EINVAL;
	t->detached = 1;
	if (t->state == DONE) {
		forget(t);
		if (t->stack)
			release(t);
	}
	return 0;
}

void **tc_specific(struct tc_thread *t)
{
	return t->specific;
}

unsigned long *tc_sigmask(struct tc_thread *t)
{
	return &t->sigmask;
}

unsigned long *tc_sigpending(struct tc_thread *t)
{
	return &t->sigpending;
}

/* A signal for t (or, t NULL, for any thread that does not block it) was
 * generated: wake a blocked thread that can take it, so it runs the
 * handler at once (its blocking call then fails with EINTR).  The oldest
 * such thread is picked (the main thread first). */
void tc_sig_kick(struct tc_thread *t, unsigned long bit)
{
	struct tc_thread *pick = NULL;
	for (struct tc_thread *p = threads; p; p = p->all)
		if ((!t || p == t) && !(p->sigmask & bit) && p->state != DONE)
			pick = p;
	if (pick && pick->state == BLOCKED)
		make_ready(pick, 0);
}
