/*
 * analysis_memory.c — the memory of experiment analysis's tally: a memory
 * context of its own, so that an error or a cancel frees it with the query,
 * capped by convert.analysis_memory_limit, with large blocks on huge pages.
 */
#include "postgres.h"

#include <limits.h>
#include <sys/mman.h>

#include "utils/guc.h"
#include "utils/memutils.h"

#include "analysis_memory.h"

/*
 * convert.analysis_memory_limit (kB): the most one tally may hold.  The
 * tally does not spill to disk, and an experience with tens of millions of
 * visitors would otherwise grow a backend until the kernel kills it, which
 * restarts the whole server.
 */
#define DEFAULT_LIMIT_KB (2 * 1024 * 1024)	/* 2GB */

static int	analysis_memory_limit_kb = DEFAULT_LIMIT_KB;

void
analysis_define_settings(void)
{
	DefineCustomIntVariable("convert.analysis_memory_limit",
							"Most memory one experiment analysis may use.",
							"About 64 bytes per exposed visitor plus its id, 32 per visitor "
							"and goal converted, and 56 per order with percentile outliers.",
							&analysis_memory_limit_kb,
							DEFAULT_LIMIT_KB, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
}

/*
 * The tally's tables are probed at random, hundreds of megabytes of them
 * for millions of visitors: with 4 kB pages nearly every probe also misses
 * the TLB.  Large blocks ask the kernel for huge pages (a hint, honoured
 * where transparent huge pages are enabled for madvise).
 */
static void
advise_huge_pages(void *block, size_t size)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = 2 * 1024 * 1024;
	uintptr_t	start = TYPEALIGN(huge, (uintptr_t) block);
	uintptr_t	end = ((uintptr_t) block + size) & ~(huge - 1);

	if (size >= 4 * huge && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

/* Stop before a block would take the tally past its limit. */
static void
check_memory_limit(MemoryContext context, size_t more)
{
	Size		held = MemoryContextMemAllocated(context, true);

	if ((double) (held + more) > (double) analysis_memory_limit_kb * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("experiment analysis needs more than convert.analysis_memory_limit (%d kB)",
						analysis_memory_limit_kb),
				 errdetail("The visitors and conversions grouped so far hold %zu kB.",
						   (size_t) (held / 1024)),
				 errhint("Raise convert.analysis_memory_limit for this session, "
						 "or analyse a shorter period.")));
}

/* The tally's allocator: a huge-capable chunk of context, within
 * convert.analysis_memory_limit. */
static void *
tally_alloc(void *context, size_t size)
{
	void	   *block;

	check_memory_limit(context, size);
	block = MemoryContextAllocExtended(context, size, MCXT_ALLOC_HUGE);

	advise_huge_pages(block, size);
	return block;
}

/* Grow a tally block, charging only the growth to the memory limit. */
static void *
tally_grow(void *context, void *block, size_t size)
{
	Size		space = GetMemoryChunkSpace(block);

	check_memory_limit(context, size > space ? size - space : 0);
	block = repalloc_huge(block, size);
	advise_huge_pages(block, size);
	return block;
}

/* Free a tally block. */
static void
tally_release(void *context, void *block)
{
	pfree(block);
}

cv_allocator
analysis_allocator(MemoryContext context)
{
	cv_allocator allocator = {tally_alloc, tally_grow, tally_release, context};

	return allocator;
}
