# --diff fixture in assembly, PATCHED (see orig/j.s).
	.file	"j.c"
	.text
	.globl	pick
	.type	pick, @function
pick:
	testl	%edi, %edi
	je	1f
	movl	$1, %eax
1:	ret
	movl	$2, %eax
	ret
	.size	pick, .-pick

	.globl	spin
	.type	spin, @function
spin:
	xorl	%eax, %eax
	movl	%edi, %ecx
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
	.nops	8
	ret
	.size	pad, .-pad
