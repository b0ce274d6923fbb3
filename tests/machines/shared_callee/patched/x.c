/* Without -ffunction-sections: caller calls another static of the same
 * .text in the patched build, a call no relocation describes.  Nothing
 * moves; only the call's target, and so caller, changed. */
static __attribute__((noinline)) int h1(int x)
{
	return x * 3;
}

static __attribute__((noinline)) int h2(int x)
{
	return x * 5;
}

__attribute__((noinline)) int caller(int x)
{
	return h2(x) + 1;
}

int keep(int x)
{
	return h1(x) + h2(x);
}
