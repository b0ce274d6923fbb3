/* --diff fixture, ORIGINAL (tests/diff_spec.lua).  Freestanding: no headers.
 * In patched: compute() calls helper_new (helper_old renamed) and adds 23
 * instead of 17; scale()'s static callee is renamed (its calls go through
 * the section symbol); grows() gains a statement before its loop; stable()
 * stays as it is. */
static int counter;
int table[16];
extern int ext_fn(int);

__attribute__((noinline)) int helper_old(int x)
{
	return x * 3 + counter++;
}

static __attribute__((noinline)) int twice_old(int x)
{
	return x * 2 + table[1];
}

int compute(int x)
{
	if (table[3] == 7)
		return ext_fn(x);
	int s = 0;
	for (int i = 0; i < x; i++)
		s += helper_old(i);
	return s + 17 + table[x & 15];
}

int scale(int x)
{
	return twice_old(x) + twice_old(x + 1);
}

int grows(int x)
{
	int s = 0;
	for (int i = 0; i < x; i++)
		s += table[i & 15] * i;
	return s;
}

int stable(int x)
{
	return table[x & 7] + counter;
}
