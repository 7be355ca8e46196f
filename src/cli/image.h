/*
 * image.h - SYSTEM hives inside disk images, read with The Sleuth Kit.
 *
 * An input that is neither a folder nor a hive may be a disk image: raw or
 * split raw (dd, .001), E01, VHD, VMDK, whatever the system's libtsk reads.
 * Its volume system (GPT, MBR, none) and file systems are searched for
 * Windows installations: Windows/System32/config/SYSTEM on every volume
 * (and below Windows.old, the installation an upgrade kept), every
 * component matched in any case, and config/RegBack/SYSTEM, the backup
 * copy Windows kept, as a hive of its own.  Each is an input labelled with
 * its location:
 *
 *     IMAGE:/pN/Windows/System32/config/SYSTEM   in partition N
 *     IMAGE:/Windows/System32/config/SYSTEM      a file system without a
 *                                                volume system
 *
 * N is the partition's number as Linux and gdisk/fdisk give it: the GPT
 * entry number, an MBR primary slot 1-4, MBR logical partitions from 5 on
 * in chain order.  The names are the file system's, in its case.
 *
 * The hive, its transaction logs (SYSTEM.LOG1/LOG2/LOG beside it) and the
 * SOFTWARE hive of the same folder with its logs are read from the image
 * into memory and opened with dmar_hive_open_memory(): nothing is mounted,
 * nothing is written, the image is opened read-only.  libtsk runs in a
 * process of its own, dmarscan-image (src/image/reader.c, which says why);
 * each worker runs its own, and holds the bytes of one input at a time.
 */
#ifndef DMAR_IMAGE_H
#define DMAR_IMAGE_H

#include <dmarscan.h>
#include <stddef.h>
#include <stdint.h>

struct image_files;

/* Where a hive inside a disk image is. */
typedef struct input_origin {
	char *label;               /* IMAGE:/p2/Windows/System32/config/SYSTEM */
	char *software_label;      /* its SOFTWARE hive the same way, or NULL */
	char *image;               /* the image, as named */
	char *format;              /* "raw", "ewf", "vhd", "vmdk"... (libtsk's) */
	char *volume_system;       /* "gpt", "dos"..., NULL when none */
	char *volume;              /* "p2", NULL when no volume system */
	uint64_t offset;           /* of the file system in the image, bytes */
	char *file_system;         /* "ntfs", "fat16"... (libtsk's names) */
	char *path;                /* in it: /Windows/System32/config/SYSTEM */
	int backup;                /* a config/RegBack copy */
	char *save_name;           /* a file name for --save-recovered:
	                              disk.E01_p2_Windows_System32_config_SYSTEM */
	struct image_files *files; /* how to read them again (image.c) */
} input_origin;

enum {
	IMAGE_NOT = 0,        /* not a disk image: analyse it as a hive */
	IMAGE_FOUND = 1,      /* a disk image with SYSTEM hives */
	IMAGE_PROBLEM = 2     /* a disk image (or named like one) without a
	                         SYSTEM hive that can be found: see problem */
};

/* Look into 'path' as a disk image.  Returns IMAGE_FOUND with *found
 * (malloc'd, *n of them, in image order), IMAGE_PROBLEM with *problem
 * (malloc'd, one line), IMAGE_NOT, or -1 when memory ran out.  Hives
 * ('regf' first), folders, pipes and the like are IMAGE_NOT. */
int image_find(const char *path, input_origin ***found, size_t *n,
               char **problem);

void image_origin_free(input_origin *o);

/* What reading the hives of one origin gave; the caller frees each
 * member (NULL when it does not apply). */
typedef struct image_hives {
	dmar_hive *system;
	dmar_hive *software;       /* its SOFTWARE hive, when asked for */
	char *notes;               /* what was passed over: a log or the
	                              SOFTWARE hive that could not be read */
} image_hives;

/* Read the SYSTEM hive of 'origin' with its logs (and, with 'software',
 * the SOFTWARE hive with its logs) from the image and open them with
 * 'opts'.  Returns 0, or a DMAR_E* code with *err when the SYSTEM hive
 * cannot be read or opened (out->notes may still be set). */
int image_open_hives(const input_origin *origin, const dmar_open_options *opts,
                     int software, image_hives *out, dmar_error **err);

/* The CPU seconds one run of the reader may use before it is stopped (a
 * damaged or hostile image can make libtsk loop); 0: no limit.  Set before
 * any image is looked into. */
#define IMAGE_CPU_LIMIT_DEFAULT 300
void image_set_cpu_limit(unsigned seconds);

/* "libtsk 4.11.1", or why disk images cannot be read. */
const char *image_reader_version(void);

#endif /* DMAR_IMAGE_H */
