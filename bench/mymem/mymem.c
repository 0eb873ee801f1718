// SPDX-License-Identifier: GPL-2.0
/*
 * mymem.c: /dev/mymem for Linux, the benchmark's counterpart of Marten's
 * device (crates/kernel/src/fs/dev/mymem.rs), with the same semantics:
 *
 * - character device 240:0 (the first "local/experimental" major), a
 *   512 KiB buffer allocated at load time and kept until unload;
 * - read, write, pread, pwrite at the file position or offset: a transfer
 *   that starts inside and runs past the end is short; at the end a read
 *   returns 0 and a write fails with ENOSPC;
 * - lseek SEEK_SET, SEEK_CUR, SEEK_END: a target outside [0, 512 KiB] is
 *   EINVAL, and so is any other whence;
 * - each read, write and ioctl holds one mutex for its whole transfer, so
 *   they are atomic with respect to each other; the open file is marked
 *   FMODE_ATOMIC_POS, so a position shared after fork or dup moves by
 *   exactly what each call transferred (the VFS serialises the calls on it);
 * - MYMEM_IOC_ADD = _IOWR('m', 1, struct mymem_add) adds `value` to the
 *   little-endian 8-byte counter at `offset` (8-byte aligned and inside,
 *   else EINVAL) and stores the new value in `result`; the argument is
 *   checked writable before the add, so a failed call changes nothing.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#define MYMEM_MAJOR 240
#define MYMEM_MINOR 0
#define MYMEM_SIZE (512 * 1024)

struct mymem_add {
	__u64 offset;
	__s64 value;
	__u64 result;
};

#define MYMEM_IOC_ADD _IOWR('m', 1, struct mymem_add)

static u8 *mymem_buf;
static DEFINE_MUTEX(mymem_lock);
static struct cdev mymem_cdev;
static struct class *mymem_class;

static int mymem_open(struct inode *inode, struct file *file)
{
	file->f_mode |= FMODE_ATOMIC_POS;
	return 0;
}

/* Bytes a `len`-byte transfer at `pos` moves: up to the end, 0 past it. */
static size_t mymem_span(loff_t pos, size_t len)
{
	if (pos < 0 || pos >= MYMEM_SIZE)
		return 0;
	return min_t(size_t, len, MYMEM_SIZE - pos);
}

static ssize_t mymem_read(struct file *file, char __user *to, size_t len, loff_t *ppos)
{
	ssize_t ret;
	size_t n;

	mutex_lock(&mymem_lock);
	n = mymem_span(*ppos, len);
	if (n && copy_to_user(to, mymem_buf + *ppos, n)) {
		ret = -EFAULT;
	} else {
		*ppos += n;
		ret = n;
	}
	mutex_unlock(&mymem_lock);
	return ret;
}

static ssize_t mymem_write(struct file *file, const char __user *from, size_t len, loff_t *ppos)
{
	ssize_t ret;
	size_t n;

	if (len == 0)
		return 0;
	mutex_lock(&mymem_lock);
	n = mymem_span(*ppos, len);
	if (n == 0) {
		ret = -ENOSPC;
	} else if (copy_from_user(mymem_buf + *ppos, from, n)) {
		ret = -EFAULT;
	} else {
		*ppos += n;
		ret = n;
	}
	mutex_unlock(&mymem_lock);
	return ret;
}

static loff_t mymem_llseek(struct file *file, loff_t offset, int whence)
{
	loff_t base, to;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = file->f_pos;
		break;
	case SEEK_END:
		base = MYMEM_SIZE;
		break;
	default:
		return -EINVAL;
	}
	if (check_add_overflow(base, offset, &to) || to < 0 || to > MYMEM_SIZE)
		return -EINVAL;
	mutex_lock(&mymem_lock);
	file->f_pos = to;
	mutex_unlock(&mymem_lock);
	return to;
}

static long mymem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mymem_add __user *uarg = (struct mymem_add __user *)arg;
	struct mymem_add a;
	u64 v;

	if (cmd != MYMEM_IOC_ADD)
		return -ENOTTY;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	if (a.offset % 8 != 0 || a.offset > MYMEM_SIZE - 8)
		return -EINVAL;
	mutex_lock(&mymem_lock);
	v = le64_to_cpu(*(__le64 *)(mymem_buf + a.offset)) + (u64)a.value;
	*(__le64 *)(mymem_buf + a.offset) = cpu_to_le64(v);
	mutex_unlock(&mymem_lock);
	if (put_user(v, &uarg->result))
		return -EFAULT;
	return 0;
}

static const struct file_operations mymem_fops = {
	.owner = THIS_MODULE,
	.open = mymem_open,
	.read = mymem_read,
	.write = mymem_write,
	.llseek = mymem_llseek,
	.unlocked_ioctl = mymem_ioctl,
};

static int __init mymem_init(void)
{
	dev_t dev = MKDEV(MYMEM_MAJOR, MYMEM_MINOR);
	struct device *node;
	int err;

	mymem_buf = vzalloc(MYMEM_SIZE);
	if (!mymem_buf)
		return -ENOMEM;
	err = register_chrdev_region(dev, 1, "mymem");
	if (err)
		goto free_buf;
	cdev_init(&mymem_cdev, &mymem_fops);
	mymem_cdev.owner = THIS_MODULE;
	err = cdev_add(&mymem_cdev, dev, 1);
	if (err)
		goto unregister;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	mymem_class = class_create("mymem");
#else
	mymem_class = class_create(THIS_MODULE, "mymem");
#endif
	if (IS_ERR(mymem_class)) {
		err = PTR_ERR(mymem_class);
		goto del_cdev;
	}
	/* devtmpfs makes /dev/mymem from this. */
	node = device_create(mymem_class, NULL, dev, NULL, "mymem");
	if (IS_ERR(node)) {
		err = PTR_ERR(node);
		goto destroy_class;
	}
	return 0;

destroy_class:
	class_destroy(mymem_class);
del_cdev:
	cdev_del(&mymem_cdev);
unregister:
	unregister_chrdev_region(dev, 1);
free_buf:
	vfree(mymem_buf);
	return err;
}

static void __exit mymem_exit(void)
{
	dev_t dev = MKDEV(MYMEM_MAJOR, MYMEM_MINOR);

	device_destroy(mymem_class, dev);
	class_destroy(mymem_class);
	cdev_del(&mymem_cdev);
	unregister_chrdev_region(dev, 1);
	vfree(mymem_buf);
}

module_init(mymem_init);
module_exit(mymem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("/dev/mymem: a 512 KiB memory device, the Marten benchmark's counterpart");
