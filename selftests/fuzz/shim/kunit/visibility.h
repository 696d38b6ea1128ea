/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel stand-in for the fuzz library: KUnit-only exports are no-ops. */
#ifndef _SHIM_KUNIT_VISIBILITY_H
#define _SHIM_KUNIT_VISIBILITY_H
#include <assert.h>
#define VISIBLE_IF_KUNIT
/* Nothing to export; a declaration, so the caller's ';' stays legal. */
#define EXPORT_SYMBOL_IF_KUNIT(sym)	static_assert(1, #sym)
#endif
