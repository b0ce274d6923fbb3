/* The patched side of orig.c: helper changed, api_v2 added. */
static int counter;

static __attribute__((noinline)) int helper(int x)
{
	return x * 5 + counter++;
}

int api(int x)
{
	return helper(x) + 1;
}

int api_v2(int x)
{
	return helper(x) - 1;
}

int _start_fn(void)
{
	return api(1) + api_v2(2);
}
