// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl table: decoding a command, copying its size-carrying struct in
 * and out, around a handler that sees only the kernel copy.
 *
 * DOC: ioctl numbers and sizes
 *
 * A command is found by its type and number; its direction must match the
 * table's, and the size encoded in it must be at least that of the first
 * version of its struct (uapi/go3s.h freezes the encoded size there, so a
 * struct that grows keeps its command number).  The real size comes from
 * the struct's own first field: a caller built against an older header
 * passes a smaller size, a newer one a larger size whose tail we do not
 * know and which must therefore be zero (copy_struct_from_user()).  There
 * is no upper bound: a larger struct costs the caller a scan of its own
 * tail, nothing else.  On the way out we write no more than the caller has
 * room for, and say in the size field how much we wrote.
 *
 * Nothing here knows what a session is, so the file also builds in user
 * space for fuzzing the decoding with a small shim.
 */
#include <linux/uaccess.h>
#include <linux/minmax.h>
#include <linux/nospec.h>

#include "internal.h"

/**
 * go3s_uabi_size_check() - validate the size a caller gave for a struct
 * @usize: the struct's size field, as read from user space
 * @ver0: size of the first version of the struct
 *
 * Return: 0 when @usize is usable, -EINVAL when it is smaller than the
 * first version.
 */
int go3s_uabi_size_check(u32 usize, size_t ver0)
{
	return usize < ver0 ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_uabi_size_check);

/**
 * go3s_copy_in() - copy a size-carrying struct from user space
 * @dst: kernel copy, @ksize bytes; its first field receives the user's size
 * @ksize: size of the struct this module knows
 * @ver0: size of the struct's first version
 * @src: user pointer
 *
 * Return: 0, -EFAULT for an unreadable @src, -EINVAL for a size below the
 * first version, -E2BIG when the caller's struct is larger than ours with
 * a non-zero tail.
 */
int go3s_copy_in(void *dst, size_t ksize, size_t ver0, const void __user *src)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)src))
		return -EFAULT;
	ret = go3s_uabi_size_check(usize, ver0);
	if (ret)
		return ret;
	ret = copy_struct_from_user(dst, ksize, src, usize);
	/* As read now: a racing writer cannot make it disagree with usize. */
	*(u32 *)dst = usize;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_copy_in);

/**
 * go3s_copy_out() - copy a size-carrying struct back to user space
 * @dst: user pointer
 * @usize: the size the caller passed in (already validated)
 * @src: fully initialised kernel copy, @ksize bytes, first field a u32 size
 * @ksize: size of the struct this module knows
 *
 * Writes min(@usize, @ksize) bytes and stores that count in the size field.
 *
 * Return: 0 or -EFAULT.
 */
int go3s_copy_out(void __user *dst, u32 usize, void *src, size_t ksize)
{
	u32 n = min_t(size_t, usize, ksize);

	*(u32 *)src = n;
	return copy_to_user(dst, src, n) ? -EFAULT : 0;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_copy_out);

/**
 * go3s_uabi_put() - copy an ioctl's result out now
 * @out: the call's output, as go3s_uabi_call() set it up
 * @karg: the kernel copy of the struct, fully initialised
 *
 * For handlers that must know the copy succeeded before they commit (make
 * an object visible, consume a completion); go3s_uabi_call() copies out
 * for the others once they return 0.
 *
 * Return: 0 or -EFAULT.
 */
int go3s_uabi_put(struct go3s_uabi_out *out, void *karg)
{
	out->done = true;
	return go3s_copy_out(out->uptr, out->usize, karg, out->ksize);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_uabi_put);

/**
 * go3s_uabi_lookup() - the table row of an ioctl command
 * @tbl: rows indexed by command number; a row without handler is unused
 * @n: rows in @tbl
 * @cmd: the command as user space passed it
 *
 * Return: the row, or NULL for another type, an unknown number, another
 * direction or an encoded size below the first version of the struct.
 */
const struct go3s_ioc_desc *go3s_uabi_lookup(const struct go3s_ioc_desc *tbl,
					     unsigned int n, unsigned int cmd)
{
	const struct go3s_ioc_desc *d;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != GO3S_IOC_MAGIC || nr >= n)
		return NULL;
	d = &tbl[array_index_nospec(nr, n)];
	if (!d->fn || _IOC_DIR(cmd) != d->dir || _IOC_SIZE(cmd) < d->ver0)
		return NULL;
	return d;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_uabi_lookup);

/**
 * go3s_uabi_call() - run an ioctl through its table row
 * @tbl: the table
 * @n: rows in @tbl
 * @cmd: the command
 * @uarg: its user argument
 * @s: passed to the handler
 *
 * Copies the struct in (size rules above), calls the row's handler with the
 * kernel copy and, for a command that reads, copies min(user size, kernel
 * size) back when the handler returns 0 without having done so itself.
 *
 * Return: the handler's result, -ENOTTY for an unknown command, or the
 * errors of go3s_copy_in() and go3s_copy_out().
 */
long go3s_uabi_call(const struct go3s_ioc_desc *tbl, unsigned int n,
		    unsigned int cmd, void __user *uarg, struct go3s_session *s)
{
	u64 karg[GO3S_UABI_KARG_MAX / sizeof(u64)];
	const struct go3s_ioc_desc *d;
	struct go3s_uabi_out out;
	long ret;

	d = go3s_uabi_lookup(tbl, n, cmd);
	if (!d)
		return -ENOTTY;
	if (WARN_ON_ONCE(d->ksize > sizeof(karg)))
		return -ENOTTY;
	ret = go3s_copy_in(karg, d->ksize, d->ver0, uarg);
	if (ret)
		return ret;
	out.uptr = uarg;
	out.usize = *(u32 *)karg;
	out.ksize = d->ksize;
	out.done = !(d->dir & _IOC_READ);
	ret = d->fn(s, karg, &out);
	if (ret || out.done)
		return ret;
	return go3s_uabi_put(&out, karg);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_uabi_call);
