/* A small program linked twice: grows gains code in the patched build, so
 * every function placed after it moves; only grows changed. */
static int counter;
int table[4] = { 1, 2, 3, 4 };
int (*const hooks[2])(int);

static __attribute__((noinline)) int helper(int x)
{
	return x * 3 + counter++;
}

__attribute__((noinline)) int grows(int x)
{
	int y = helper(x);

	if (y > 100)
		y = helper(y) * 7;
	return y + table[x & 3];
}

__attribute__((noinline)) int after(int x)
{
	return grows(x) + helper(x + 1);
}

int (*const hooks[2])(int) = { grows, after };

/* Like the kernel's exception table, which is sorted after the link: its
 * relocations are blanked to R_*_NONE at offset 0 then (the spec does). */
static int (*const extab[2])(int) __attribute__((section("__ex_table"), used)) = { grows, after };

int _start(void)
{
	return after(1) + hooks[1](2);
}
