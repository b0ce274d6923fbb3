/* A module built without -ffunction-sections: every function in one .text,
 * so the calls between them carry no relocation.  grows gains code in the
 * patched build and every function after it moves; only grows changed. */
static __attribute__((noinline)) int last(int x)
{
	return x * 7;
}

__attribute__((noinline)) int first(int x)
{
	return last(x) + 1;
}

__attribute__((noinline)) int grows(int x)
{
	return x + 1;
}

__attribute__((noinline)) int after(int x)
{
	return first(x) + last(x + 2);
}

int entry(int x)
{
	return first(x) + grows(x) + after(x);
}
