/* --diff fixture without -ffunction-sections, ORIGINAL: three functions in
 * one .text; calls to the static callee carry no relocation.  In patched,
 * first() grows, so caller() moves away from callee() and its call
 * displacements change, though it calls the same function. */
static __attribute__((noinline)) int callee(int x)
{
	return x * 7 + 1;
}

__attribute__((noinline)) int first(int x)
{
	return callee(x) + 1;
}

int caller(int x)
{
	return callee(x) + callee(x + 2);
}
