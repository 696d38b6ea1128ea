// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/go3s: the misc device and its file operations.  Every ioctl goes
 * through the table in session.c, run by go3s_uabi_call() (uabi.c).
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

static long go3s_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return go3s_session_ioctl(file->private_data, cmd,
				  (void __user *)arg);
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
