/* SPDX-License-Identifier: MIT */
/* vfork.S - vfork(), interposed only to tell a vfork child apart (self.c).
 *
 * The child runs on its parent's stack until it execs or exits, so the
 * return address cannot stay there (the child's own calls overwrite it): it
 * waits in %rdi, which the system call preserves, and goes back on the
 * stack after.  Both return with this thread's count of vforks in progress
 * (shim_vforks, initial-exec TLS) raised; the parent, which resumes only
 * once the child has exec'd or exited, lowers it.  An error goes out
 * through shim_vfork_fail() for errno.  Not written for other machines:
 * there the shim interposes no vfork() (self.c says what that costs).
 */
#include <sys/syscall.h>

#if defined(__x86_64__)
	.text
	.globl	vfork
	.type	vfork, @function
vfork:
	movq	shim_vforks@gottpoff(%rip), %rcx
	addl	$1, %fs:(%rcx)
	popq	%rdi
	movl	$SYS_vfork, %eax
	syscall
	pushq	%rdi
	testq	%rax, %rax
	jz	1f
	movq	shim_vforks@gottpoff(%rip), %rcx
	subl	$1, %fs:(%rcx)
	cmpq	$-4095, %rax
	jae	2f
1:	ret
2:	movq	%rax, %rdi
	jmp	shim_vfork_fail
	.size	vfork, .-vfork
#endif
	.section .note.GNU-stack, "", @progbits
