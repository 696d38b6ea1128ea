// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/go3s: the misc device and its ioctl dispatch.
 *
 * Root-only (0600) by default.  Every struct is fixed-width with pointers as
 * __u64, so 32-bit callers go through compat_ptr_ioctl() unchanged.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "internal.h"

static long go3s_ioctl_get_info(void __user *uarg)
{
	struct go3s_info info;
	u32 usize;
	int ret;

	ret = go3s_copy_in(&info, sizeof(info), GO3S_INFO_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;
	usize = info.size;
	go3s_info_fill(&info);
	return go3s_copy_out(uarg, usize, &info, sizeof(info));
}

static long go3s_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case GO3S_IOC_GET_INFO:
		return go3s_ioctl_get_info(uarg);
	default:
		return -ENOTTY;
	}
}

static int go3s_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static const struct file_operations go3s_fops = {
	.owner = THIS_MODULE,
	.open = go3s_open,
	.unlocked_ioctl = go3s_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice go3s_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "go3s",
	.fops = &go3s_fops,
	.mode = 0600,
};

int go3s_dev_init(void)
{
	return misc_register(&go3s_miscdev);
}

void go3s_dev_exit(void)
{
	misc_deregister(&go3s_miscdev);
}
