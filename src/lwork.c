/* lwork: core.run_jobs, which runs numbered Lua jobs in forked worker
 * processes.  Each worker is a fork of the calling Lua state: it inherits the
 * policy and every function the job needs, runs job(i) for the numbers the
 * parent sends it, and sends back the string each job returns.  A worker that
 * dies (a crash in one object) costs only its job; the parent reports it and
 * starts another worker for what is left.  Jobs never run in the caller's
 * process, so even one worker isolates them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdio.h"
#include "lcore.h"

#define KLP_POOL_MT "klp.pool"
#define MAX_WORKERS 1024

typedef struct worker {
	pid_t pid;	    /* 0: no process */
	int to_fd;	    /* parent -> worker: job numbers */
	int from_fd;	    /* worker -> parent: results */
	lua_Integer job;    /* the job in flight, 0 when idle */
} worker;

typedef struct pool {
	int n;
	int sigpipe_saved;	     /* old_sigpipe holds the caller's SIGPIPE action */
	struct sigaction old_sigpipe;
	worker w[];
} pool;

/* A result travels as a header, a one-byte ok flag and a 64-bit length in
 * host order (packed: no padding byte goes down the pipe), then the bytes. */
enum { HEAD_SIZE = 1 + sizeof(uint64_t) };

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Calls job(number) at stack index job_idx, protected; leaves the result
 * string on the stack and returns whether the job succeeded. */
static int call_job(lua_State *L, int job_idx, lua_Integer number)
{
	lua_pushvalue(L, job_idx);
	lua_pushinteger(L, number);
	int ok = lua_pcall(L, 1, 1, 0) == LUA_OK;
	if (lua_type(L, -1) != LUA_TSTRING) {
		lua_pop(L, 1);
		if (ok)
			lua_pushliteral(L, "job returned no string");
		else
			lua_pushliteral(L, "job failed with a non-string error");
		ok = 0;
	}
	return ok;
}

/* The body of a worker process: never returns. */
static _Noreturn void worker_main(lua_State *L, int job_idx, int in_fd, int out_fd)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	for (;;) {
		lua_Integer number;
		if (klp_read_full(in_fd, &number, sizeof number) != 1)
			_exit(0);
		unsigned char head[HEAD_SIZE];
		head[0] = (unsigned char)call_job(L, job_idx, number);
		size_t len;
		const char *s = lua_tolstring(L, -1, &len);
		uint64_t len64 = len;
		memcpy(head + 1, &len64, sizeof len64);
		if (klp_write_all(out_fd, head, sizeof head) != 0 || klp_write_all(out_fd, s, len) != 0)
			_exit(1);
		lua_pop(L, 1);
		fflush(NULL); /* what the job printed: _exit does not flush */
	}
}

/* Stops every worker: closing its job pipe ends it; force kills it first. */
static void pool_stop(pool *p, int force)
{
	for (int i = 0; i < p->n; i++) {
		worker *w = &p->w[i];
		close_fd(&w->to_fd);
		close_fd(&w->from_fd);
		if (w->pid > 0) {
			if (force)
				kill(w->pid, SIGKILL);
			while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
				;
			w->pid = 0;
		}
	}
}

/* Gives the caller back its SIGPIPE action. */
static void pool_restore_sigpipe(pool *p)
{
	if (p->sigpipe_saved)
		sigaction(SIGPIPE, &p->old_sigpipe, NULL);
	p->sigpipe_saved = 0;
}

/* __close and __gc of the pool: nothing outlives an error in run_jobs. */
static int pool_release(lua_State *L)
{
	pool *p = luaL_checkudata(L, 1, KLP_POOL_MT);
	pool_stop(p, 1);
	pool_restore_sigpipe(p);
	return 0;
}

/* A pipe whose ends a program a job or callback starts does not inherit (it
 * would keep a worker from seeing the end of its jobs). */
static int cloexec_pipe(int fd[2])
{
	if (pipe(fd) != 0)
		return -1;
	if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(fd[1], F_SETFD, FD_CLOEXEC) != 0) {
		int e = errno;
		close(fd[0]), close(fd[1]);
		errno = e;
		return -1;
	}
	return 0;
}

/* Forks worker w; returns 0, or -1 with errno set. */
static int spawn(lua_State *L, pool *p, worker *w, int job_idx)
{
	int to[2], from[2];
	if (cloexec_pipe(to) != 0)
		return -1;
	if (cloexec_pipe(from) != 0) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	fflush(NULL); /* buffered output must not be written twice */
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(to[0]), close(to[1]), close(from[0]), close(from[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		/* This copy of the pool is inert: it must never stop the siblings. */
		for (int i = 0; i < p->n; i++) {
			close_fd(&p->w[i].to_fd);
			close_fd(&p->w[i].from_fd);
			p->w[i].pid = 0;
		}
		p->sigpipe_saved = 0;
		close(to[1]);
		close(from[0]);
		worker_main(L, job_idx, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	w->pid = pid;
	w->to_fd = to[1];
	w->from_fd = from[0];
	w->job = 0;
	return 0;
}

/* Why a worker ended, for the job it took with it. */
static void push_death(lua_State *L, worker *w)
{
	int status = 0;
	pid_t r;
	while ((r = waitpid(w->pid, &status, 0)) < 0 && errno == EINTR)
		;
	w->pid = 0;
	if (r > 0 && WIFSIGNALED(status))
		lua_pushfstring(L, "worker process killed by signal %d", WTERMSIG(status));
	else if (r > 0 && WIFEXITED(status))
		lua_pushfstring(L, "worker process exited (status %d) without a result", WEXITSTATUS(status));
	else
		lua_pushliteral(L, "worker process lost");
}

/* Reads one result from w and calls done(job, ok, string); a worker that
 * died is reported as a failed job and left without a process. */
static void collect(lua_State *L, worker *w, int done_idx)
{
	unsigned char head[HEAD_SIZE];
	uint64_t len = 0;
	lua_Integer job = w->job;
	int rc = klp_read_full(w->from_fd, head, sizeof head);
	int ok = rc == 1 && head[0];
	if (rc == 1) {
		memcpy(&len, head + 1, sizeof len);
		if (len > (uint64_t)PTRDIFF_MAX)
			rc = -1;
	}
	if (rc == 1) {
		luaL_Buffer b;
		char *buf = luaL_buffinitsize(L, &b, (size_t)len);
		rc = klp_read_full(w->from_fd, buf, (size_t)len);
		luaL_pushresultsize(&b, rc == 1 ? (size_t)len : 0);
		if (rc != 1)
			lua_pop(L, 1);
	}
	if (rc != 1) {
		close_fd(&w->to_fd);
		close_fd(&w->from_fd);
		push_death(L, w);
		ok = 0;
	}
	w->job = 0;
	lua_pushvalue(L, done_idx);
	lua_pushinteger(L, job);
	lua_pushboolean(L, ok);
	lua_rotate(L, -4, -1); /* the message goes last */
	lua_call(L, 3, 0);
}

/* Sends job number to worker w, starting a process if it has none and once
 * more if the one it had died while idle; returns 0, or -1 with errno set. */
static int dispatch(lua_State *L, pool *p, worker *w, int job_idx, lua_Integer number)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (w->pid == 0 && spawn(L, p, w, job_idx) != 0)
			return -1;
		if (klp_write_all(w->to_fd, &number, sizeof number) == 0) {
			w->job = number;
			return 0;
		}
		int e = errno;
		close_fd(&w->to_fd);
		close_fd(&w->from_fd);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
		w->pid = 0;
		errno = e;
	}
	return -1;
}

/* Reports job number as failed without running it. */
static void fail_job(lua_State *L, int done_idx, lua_Integer number, int err)
{
	lua_pushvalue(L, done_idx);
	lua_pushinteger(L, number);
	lua_pushboolean(L, 0);
	lua_pushfstring(L, "cannot start a worker process: %s", strerror(err));
	lua_call(L, 3, 0);
}

/* klp.core.run_jobs(workers, count, job, done): calls job(i) for i = 1 ..
 * count in up to `workers` forked processes; job returns a string.  done(i,
 * ok, string) runs in this process for every job as it completes: ok is false
 * when the job raised an error (string is the message), its worker died, or
 * no worker could be started.  Errors in done propagate, after every worker
 * is stopped. */
static int klp_work_run_jobs(lua_State *L)
{
	lua_Integer nworkers = luaL_checkinteger(L, 1);
	lua_Integer count = luaL_checkinteger(L, 2);
	luaL_checktype(L, 3, LUA_TFUNCTION);
	luaL_checktype(L, 4, LUA_TFUNCTION);
	luaL_argcheck(L, nworkers >= 1 && nworkers <= MAX_WORKERS, 1, "between 1 and 1024 workers");
	luaL_argcheck(L, count >= 0, 2, "negative job count");
	lua_settop(L, 4);
	if (nworkers > count)
		nworkers = count;
	if (count == 0)
		return 0;

	pool *p = lua_newuserdatauv(L, sizeof(pool) + (size_t)nworkers * sizeof(worker), 0);
	p->n = (int)nworkers;
	p->sigpipe_saved = 0;
	for (int i = 0; i < p->n; i++)
		p->w[i] = (worker){ 0, -1, -1, 0 };
	luaL_setmetatable(L, KLP_POOL_MT);
	lua_toclose(L, 5);

	/* A worker that died must not kill the parent when it is written to. */
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigemptyset(&ignore.sa_mask);
	if (sigaction(SIGPIPE, &ignore, &p->old_sigpipe) == 0)
		p->sigpipe_saved = 1;

	lua_Integer next = 1, busy = 0;
	struct pollfd fds[MAX_WORKERS];
	/* Start what can be started; fewer workers (no file descriptors or
	 * processes left) only means less parallel work. */
	for (int i = 0; i < p->n && next <= count; i++) {
		if (dispatch(L, p, &p->w[i], 3, next) == 0) {
			next++, busy++;
		} else if (busy == 0) {
			fail_job(L, 4, next++, errno);
			i--;
		} else {
			break;
		}
	}
	while (busy > 0) {
		int nfds = 0;
		for (int i = 0; i < p->n; i++) {
			if (p->w[i].job != 0)
				fds[nfds++] = (struct pollfd){ .fd = p->w[i].from_fd, .events = POLLIN };
		}
		if (poll(fds, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return luaL_error(L, "waiting for worker processes: %s", strerror(errno));
		}
		for (int k = 0; k < nfds; k++) {
			if (fds[k].revents == 0)
				continue;
			worker *w = NULL;
			for (int i = 0; i < p->n && !w; i++)
				if (p->w[i].from_fd == fds[k].fd && p->w[i].job != 0)
					w = &p->w[i];
			if (!w)
				continue;
			collect(L, w, 4);
			busy--;
			while (next <= count) {
				lua_Integer number = next++;
				if (dispatch(L, p, w, 3, number) == 0) {
					busy++;
					break;
				}
				if (busy > 0) { /* another worker will take it */
					next--;
					break;
				}
				fail_job(L, 4, number, errno);
			}
		}
	}
	pool_stop(p, 0);
	pool_restore_sigpipe(p);
	return 0;
}

/* klp.core.cpu_count() -> the number of online processors (at least 1) */
static int klp_work_cpu_count(lua_State *L)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	lua_pushinteger(L, n > 0 ? n : 1);
	return 1;
}

void klp_open_work(lua_State *L)
{
	static const luaL_Reg pool_mt[] = { { "__close", pool_release }, { "__gc", pool_release }, { NULL, NULL } };
	luaL_newmetatable(L, KLP_POOL_MT);
	luaL_setfuncs(L, pool_mt, 0);
	lua_pop(L, 1);
	static const luaL_Reg fns[] = { { "run_jobs", klp_work_run_jobs },
					{ "cpu_count", klp_work_cpu_count },
					{ NULL, NULL } };
	luaL_setfuncs(L, fns, 0);
}
