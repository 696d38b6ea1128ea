// SPDX-License-Identifier: GPL-2.0
/*
 * Copying the size-carrying ioctl structs of uapi/go3s.h in and out.
 *
 * Each struct starts with a __u32 size.  A caller built against an older
 * header passes a smaller size, a newer one a larger size whose tail we do
 * not know and which must therefore be zero (copy_struct_from_user()).  On
 * the way out we write no more than the caller said it has room for.
 */
#include <linux/uaccess.h>
#include <linux/minmax.h>
#include <linux/mm.h>

#include "internal.h"

/**
 * go3s_uabi_size_check() - validate the size a caller gave for a struct
 * @usize: the struct's size field, as read from user space
 * @ver0: size of the first version of the struct
 *
 * Return: 0 when @usize is usable, -EINVAL when it is smaller than the first
 * version or absurdly large (over a page).
 */
int go3s_uabi_size_check(u32 usize, size_t ver0)
{
	if (usize < ver0 || usize > PAGE_SIZE)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_uabi_size_check);

/**
 * go3s_copy_in() - copy a size-carrying struct from user space
 * @dst: kernel copy, @ksize bytes; its first field receives the user's size
 * @ksize: size of the struct this module knows
 * @ver0: size of the struct's first version
 * @src: user pointer
 *
 * Return: 0, -EFAULT for an unreadable @src, -EINVAL for a bad size,
 * -E2BIG when the caller's struct is larger than ours with a non-zero tail.
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
	return copy_struct_from_user(dst, ksize, src, usize);
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
