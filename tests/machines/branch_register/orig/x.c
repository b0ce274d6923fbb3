/* A function whose only change is the register a branch tests: on
 * fixed-width machines the branch's whole word holds its target, so the
 * register shows only in what the instruction reads. */
#if defined(__aarch64__)
#define TEST "\tcbz w0, 1f\n"
#elif defined(__powerpc64__)
#define TEST "\tcmpdi 0, 3, 0\n\tbeq 0, 1f\n"
#elif defined(__s390x__)
#define TEST "\tcgij %r2, 0, 8, 1f\n"
#else
#define TEST "\ttest %edi, %edi\n\tje 1f\n"
#endif

__asm__(".text\n.globl test_reg\n.type test_reg, @function\ntest_reg:\n" TEST "\tnop\n1:\tnop\n\tnop\n"
	".size test_reg, .-test_reg\n");

int other(int x)
{
	return x + 1;
}
