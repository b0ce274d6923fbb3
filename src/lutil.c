/* lutil: the few system services the Lua side needs and plain Lua lacks. */
/* realpath() is X/Open; the rest of klp needs only POSIX. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "lcore.h"

/* Checks that the value at idx is a string or an array of strings, so that
 * nothing can raise an error once files are open. */
static void check_chunks(lua_State *L, int idx)
{
	if (lua_type(L, idx) == LUA_TSTRING)
		return;
	luaL_argexpected(L, lua_type(L, idx) == LUA_TTABLE, idx, "string or array of strings");
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
			luaL_argerror(L, idx, "array of strings expected");
		lua_pop(L, 1);
	}
}

/* Writes the string, or every string of the array, at idx to fd. */
static int write_chunks(lua_State *L, int idx, int fd)
{
	size_t len;
	if (lua_type(L, idx) == LUA_TSTRING) {
		const char *data = lua_tolstring(L, idx, &len);
		return klp_write_all(fd, data, len);
	}
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		const char *data = lua_tolstring(L, -1, &len);
		int rc = klp_write_all(fd, data, len);
		lua_pop(L, 1);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Writes straight into an existing file that is not a regular file (a
 * device such as /dev/null, a FIFO): there is nothing to replace atomically. */
static int write_in_place(lua_State *L, const char *path, int idx)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	int rc = write_chunks(L, idx, fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Makes the file just written readable as the one it replaces was, or as a
 * new file would be (0666 less the umask), instead of mkstemp's 0600. */
static int set_mode(int fd, const struct stat *old)
{
	mode_t mode;
	if (old) {
		mode = old->st_mode & 07777;
	} else {
		mode_t mask = umask(022);
		umask(mask);
		mode = 0666 & ~mask;
	}
	return fchmod(fd, mode);
}

/* Syncs the directory holding path, so that the rename itself is durable. */
static void sync_dir(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	const char *name = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
	int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Replaces the regular file (or nothing) at path with the data at idx:
 * a temporary file beside it, written, synced and renamed over it.  tmp is a
 * buffer of strlen(path) + 12 bytes.  Returns 0, or -1 with errno set. */
static int replace_file(lua_State *L, const char *path, const struct stat *old, int idx, char *tmp)
{
	sprintf(tmp, "%s.klp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	int ok = write_chunks(L, idx, fd) == 0 && set_mode(fd, old) == 0 && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = 0;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp);
		errno = saved;
		return -1;
	}
	sync_dir(path);
	return 0;
}

/* klp.core.write_atomic(path, data) -> true | nil, message
 * data is a string or an array of strings.  A regular file (or a missing
 * one) is replaced atomically: readers see the old file or the whole new one,
 * never a partial one, and on failure the old one stays.  A symlink is
 * followed; a device or FIFO is written in place. */
static int klp_util_write_atomic(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	check_chunks(L, 2);
	char *resolved = NULL;
	struct stat st, *old = NULL;
	int rc;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		resolved = realpath(path, NULL);
		if (resolved)
			path = lua_pushstring(L, resolved);
		free(resolved);
		if (!resolved)
			goto fail;
	}
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			rc = write_in_place(L, path, 2);
			goto done;
		}
		old = &st;
	}
	char *tmp = lua_newuserdatauv(L, strlen(path) + 12, 0);
	rc = replace_file(L, path, old, 2, tmp);
done:
	if (rc == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
fail:
	luaL_pushfail(L);
	lua_pushfstring(L, "%s: %s", lua_tostring(L, 1), strerror(errno));
	return 2;
}

/* klp.core.isatty(file) -> whether an open Lua file handle is a terminal */
static int klp_util_isatty(lua_State *L)
{
	luaL_Stream *s = luaL_checkudata(L, 1, LUA_FILEHANDLE);
	lua_pushboolean(L, s->closef != NULL && s->f && isatty(fileno(s->f)));
	return 1;
}

/* Compares the open files a and b block by block; returns 1 when equal, 0
 * when not, -1 with errno set on a read error. */
static int same_bytes(int a, int b)
{
	enum { BLOCK = 1 << 17 };
	static char ba[BLOCK], bb[BLOCK];
	for (;;) {
		ssize_t na = read(a, ba, BLOCK);
		if (na < 0 && errno == EINTR)
			continue;
		if (na < 0)
			return -1;
		size_t got = 0;
		while (got < (size_t)na) {
			ssize_t nb = read(b, bb + got, (size_t)na - got);
			if (nb < 0 && errno == EINTR)
				continue;
			if (nb < 0)
				return -1;
			if (nb == 0)
				return 0;
			got += (size_t)nb;
		}
		if (memcmp(ba, bb, (size_t)na) != 0)
			return 0;
		if (na == 0) {
			char extra;
			ssize_t nb;
			while ((nb = read(b, &extra, 1)) < 0 && errno == EINTR)
				;
			return nb == 0;
		}
	}
}

/* klp.core.same_contents(a, b) -> whether the two files hold the same bytes
 * (sizes compared first), or nil and "path: problem" */
static int klp_util_same_contents(lua_State *L)
{
	const char *path[2] = { luaL_checkstring(L, 1), luaL_checkstring(L, 2) };
	int fd[2] = { -1, -1 }, rc = -1, bad = 0;
	struct stat st[2];
	for (int i = 0; i < 2; i++) {
		bad = i;
		fd[i] = open(path[i], O_RDONLY | O_CLOEXEC);
		if (fd[i] < 0 || fstat(fd[i], &st[i]) != 0)
			goto done;
		if (!S_ISREG(st[i].st_mode)) {
			errno = EINVAL;
			goto done;
		}
	}
	rc = st[0].st_size == st[1].st_size ? same_bytes(fd[0], fd[1]) : 0;
	bad = 0;
done:;
	int e = errno;
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (rc >= 0) {
		lua_pushboolean(L, rc);
		return 1;
	}
	luaL_pushfail(L);
	lua_pushfstring(L, "%s: %s", path[bad], e == EINVAL ? "not a regular file" : strerror(e));
	return 2;
}

void klp_open_util(lua_State *L)
{
	static const luaL_Reg fns[] = { { "write_atomic", klp_util_write_atomic },
					{ "isatty", klp_util_isatty },
					{ "same_contents", klp_util_same_contents },
					{ NULL, NULL } };
	luaL_setfuncs(L, fns, 0);
}
