# --diff fixture in assembly, ORIGINAL: the same instructions on both sides
# except where the branches of pick() go (patched: the je reaches the other
# return) and an instruction inserted ahead of spin()'s loop (its backward
# branch moves with it and still reaches the same instruction).
	.file	"j.c"
	.text
	.globl	pick
	.type	pick, @function
pick:
	testl	%edi, %edi
	je	1f
	movl	$1, %eax
	ret
1:	movl	$2, %eax
	ret
	.size	pick, .-pick

	.globl	spin
	.type	spin, @function
spin:
	xorl	%eax, %eax
2:	addl	%edi, %eax
	subl	$1, %edi
	jne	2b
	ret
	.size	spin, .-spin

# A byte no x86-64 instruction starts with (push %es), then ret.
	.globl	junk
	.type	junk, @function
junk:
	.byte	0x06
	ret
	.size	junk, .-junk

# Padding of another length: nops compare equal whatever their size.
	.globl	pad
	.type	pad, @function
pad:
	xorl	%eax, %eax
	.nops	3
	ret
	.size	pad, .-pad
