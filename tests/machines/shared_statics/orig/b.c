/* Two translation units each with the same static helper (a header's
 * static inline, say), built without -ffunction-sections and without FILE
 * symbols, as distribution modules are: only the calls, which no relocation
 * describes, tell the helpers apart. */
static __attribute__((noinline)) int helper(int x)
{
	return x * 3 + 1;
}

int b_caller(int x)
{
	return helper(x) + 20;
}
