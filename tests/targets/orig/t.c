/* A freestanding pair for every target klp claims: no headers, no libc. */
static int counter;

static __attribute__((noinline)) int helper(int x)
{
	return x * 3 + counter++;
}

int api(int x)
{
	return helper(x) + 1;
}

int _start_fn(void)
{
	return api(1);
}
