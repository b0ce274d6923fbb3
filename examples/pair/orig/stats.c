/* Statistics: a static with the same name as one in sched.c's neighbours,
 * and function-scope statics that compilers number. */
static __attribute__((noinline)) int pick_next(int v)
{
	static int calls;
	return v + ++calls;
}

int stats_account(int v)
{
	static int total;
	total += pick_next(v);
	return total;
}
