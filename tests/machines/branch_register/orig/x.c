/* A function whose only change is the register a branch tests, and one whose
 * only change is the bit it tests: on fixed-width machines the branch's
 * whole word holds its target, so the register and the bit number show only
 * in what the instruction reads. */
#if defined(__aarch64__)
#define BIT "\ttbz w0, #3, 1f\n"
#define TEST "\tcbz w0, 1f\n"
#elif defined(__powerpc64__)
#define BIT "\tandi. 9, 3, 8\n\tbeq 0, 1f\n"
#define TEST "\tcmpdi 0, 3, 0\n\tbeq 0, 1f\n"
#elif defined(__s390x__)
#define BIT "\ttmll %r2, 8\n\tjo 1f\n"
#define TEST "\tcgij %r2, 0, 8, 1f\n"
#else
#define BIT "\tbt $3, %edi\n\tjc 1f\n"
#define TEST "\ttest %edi, %edi\n\tje 1f\n"
#endif

__asm__(".text\n.globl test_reg\n.type test_reg, @function\ntest_reg:\n" TEST "\tnop\n1:\tnop\n\tnop\n"
	".size test_reg, .-test_reg\n");

__asm__(".text\n.globl test_bit\n.type test_bit, @function\ntest_bit:\n" BIT "\tnop\n1:\tnop\n\tnop\n"
	".size test_bit, .-test_bit\n");

int other(int x)
{
	return x + 1;
}
