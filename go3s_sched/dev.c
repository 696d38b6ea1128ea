// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/go3s: the misc device, its file operations and ioctl dispatch.
 *
 * Root-only (0600) by default.  Each open file is a session (session.c).
 * Every struct is fixed-width with pointers as __u64, so 32-bit callers go
 * through compat_ptr_ioctl() unchanged.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>

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

	if (cmd == GO3S_IOC_GET_INFO)
		return go3s_ioctl_get_info(uarg);
	return go3s_session_ioctl(file->private_data, cmd, uarg);
}

static ssize_t go3s_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	return go3s_session_read(file->private_data, buf, count,
				 file->f_flags & O_NONBLOCK);
}

static __poll_t go3s_poll(struct file *file, poll_table *wait)
{
	return go3s_session_poll(file->private_data, file, wait);
}

static int go3s_open(struct inode *inode, struct file *file)
{
	struct go3s_session *s = go3s_session_open();

	if (!s)
		return -ENOMEM;
	file->private_data = s;
	return nonseekable_open(inode, file);
}

static int go3s_release(struct inode *inode, struct file *file)
{
	go3s_session_close(file->private_data);
	return 0;
}

static const struct file_operations go3s_fops = {
	.owner = THIS_MODULE,
	.open = go3s_open,
	.release = go3s_release,
	.read = go3s_read,
	.poll = go3s_poll,
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
