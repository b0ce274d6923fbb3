/* A syscall wrapper and the static it calls: the patch replaces the callee
 * with one of another name, and the wrapper's code stays byte-identical. */
static __attribute__((noinline)) long __patched_do_sys_foo(long a)
{
	return a * 7 + 1;
}

long __wrap_sys_foo(long a)
{
	return __patched_do_sys_foo(a) + 2;
}
