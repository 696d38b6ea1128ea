/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels go3s supports (Debian 6.1, Debian
 * 6.12, the 6.12 test kernel) lives here and nowhere else.
 */
#ifndef _GO3S_COMPAT_H
#define _GO3S_COMPAT_H

#include <linux/version.h>
#include <linux/export.h>
#include <kunit/visibility.h>

#endif /* _GO3S_COMPAT_H */
