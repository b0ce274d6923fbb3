/* A small program linked twice without relocations, where what changed
 * leaves the bytes alone: the callee of call_foo is replaced by one of
 * another name that lands where the old one was, show prints a text of the
 * same length at the same place (a .rodata shared with other constants),
 * pick returns other data at the same place, and ops points at another
 * function.  The patched side also has more data after ops, which moves
 * everything after it, and a new function placed last that moves all the
 * data (on ppc64 also the TOC pointer every function sets up). */
__attribute__((noinline)) long do_new_foo(long a)
{
	return a * 7 + 1;
}

__attribute__((noinline)) long call_foo(long a)
{
	return do_new_foo(a) + 2;
}

const int limits[4] = { 10, 20, 30, 40 };

__attribute__((noinline)) int put(const char *s)
{
	return s[0] + limits[s[3] & 3];
}

__attribute__((noinline)) int show(void)
{
	return put("NewText");
}

__attribute__((noinline)) int op_one(int x)
{
	return x + 1;
}

__attribute__((noinline)) int op_two(int x)
{
	return x + 2;
}

int gamma[4] = { 1, 2, 3, 4 };

__attribute__((noinline)) int *pick(void)
{
	return gamma;
}

int (*volatile ops[2])(int) = { op_two, op_one };
int more[64] = { 1 };

int _start(void)
{
	return (int)call_foo(1) + show() + ops[0](3) + ops[1](4) + pick()[1];
}

/* New, and aligned to move all that follows it, the TOC pointer too. */
__attribute__((noinline, aligned(4096))) int added(int x)
{
	return x * 5;
}
