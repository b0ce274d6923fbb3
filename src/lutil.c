/* lutil: the few system services the Lua side needs and plain Lua lacks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lcore.h"

/* Writes all of buf to fd; returns 0 or -1 with errno set. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes the string, or every string of the array, at idx to fd. */
static int write_value(lua_State *L, int idx, int fd)
{
	size_t len;
	if (lua_type(L, idx) == LUA_TSTRING) {
		const char *data = lua_tolstring(L, idx, &len);
		return write_all(fd, data, len);
	}
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		const char *data = lua_tolstring(L, -1, &len);
		int rc = data ? write_all(fd, data, len) : (errno = EINVAL, -1);
		lua_pop(L, 1);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* klp.core.write_atomic(path, data) -> true | nil, message
 * data is a string or an array of strings.  Writes a temporary file beside
 * path, syncs it and renames it over path, so readers see either the old
 * file or the whole new one, never a partial one. */
static int klp_util_write_atomic(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING || lua_type(L, 2) == LUA_TTABLE, 2, "string or table");
	const char *tmpl = lua_pushfstring(L, "%s.klp-XXXXXX", path);
	char *tmp = strdup(tmpl);
	if (!tmp)
		return luaL_error(L, "klp: out of memory");
	int fd = mkstemp(tmp);
	int ok = fd >= 0 && write_value(L, 2, fd) == 0 && fsync(fd) == 0;
	int saved = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = 0;
		saved = errno;
	}
	if (!ok && fd >= 0)
		unlink(tmp);
	free(tmp);
	if (ok) {
		lua_pushboolean(L, 1);
		return 1;
	}
	luaL_pushfail(L);
	lua_pushfstring(L, "%s: %s", path, strerror(saved));
	return 2;
}

/* klp.core.isatty(file) -> whether a Lua file handle is a terminal */
static int klp_util_isatty(lua_State *L)
{
	luaL_Stream *s = luaL_checkudata(L, 1, LUA_FILEHANDLE);
	lua_pushboolean(L, s->f && isatty(fileno(s->f)));
	return 1;
}

void klp_open_util(lua_State *L)
{
	static const luaL_Reg fns[] = { { "write_atomic", klp_util_write_atomic },
					{ "isatty", klp_util_isatty },
					{ NULL, NULL } };
	luaL_setfuncs(L, fns, 0);
}
