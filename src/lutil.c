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

/* klp.core.write_atomic(path, data) -> true | nil, message
 * Writes a temporary file beside path, syncs it and renames it over path, so
 * readers see either the old file or the whole new one, never a partial one. */
static int klp_util_write_atomic(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	size_t len;
	const char *data = luaL_checklstring(L, 2, &len);
	const char *tmpl = lua_pushfstring(L, "%s.klp-XXXXXX", path);
	char *tmp = strdup(tmpl);
	if (!tmp)
		return luaL_error(L, "klp: out of memory");
	int fd = mkstemp(tmp);
	int ok = fd >= 0 && write_all(fd, data, len) == 0 && fsync(fd) == 0;
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
