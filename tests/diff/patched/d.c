/* --diff fixture, PATCHED (see orig/d.c). */
static int counter;
int table[16];
extern int ext_fn(int);

__attribute__((noinline)) int helper_new(int x)
{
	return x * 3 + counter++;
}

static __attribute__((noinline)) int twice_new(int x)
{
	return x * 2 + table[1];
}

int compute(int x)
{
	if (table[3] == 7)
		return ext_fn(x);
	int s = 0;
	for (int i = 0; i < x; i++)
		s += helper_new(i);
	return s + 23 + table[x & 15];
}

int scale(int x)
{
	return twice_new(x) + twice_new(x + 1);
}

int grows(int x)
{
	int s = 0;
	table[5] = x;
	for (int i = 0; i < x; i++)
		s += table[i & 15] * i;
	return s;
}

int stable(int x)
{
	return table[x & 7] + counter;
}
