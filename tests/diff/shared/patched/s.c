/* --diff fixture without -ffunction-sections, PATCHED (see orig/s.c). */
static __attribute__((noinline)) int callee(int x)
{
	return x * 7 + 1;
}

__attribute__((noinline)) int first(int x)
{
	return callee(x) + callee(x ^ 5) + 1;
}

int caller(int x)
{
	return callee(x) + callee(x + 2);
}
