/*
 * evidence.h - evidence is never written: the checks every file dmarscan
 * writes (-o, --save-recovered, diff -o) passes first.  Each returns why
 * 'path' may not be written (one line), or NULL.
 */
#ifndef DMAR_EVIDENCE_H
#define DMAR_EVIDENCE_H

/* Not an input (the same file, by inode) nor a transaction log of one
 * (NAME.LOG, .LOG1, .LOG2 beside it); with 'not_beside', not in an input's
 * folder at all. */
const char *evidence_conflict(const char *path, char *const *inputs, int n,
                              int not_beside);

/* Not beside a disk image under a name its other segments may have
 * (disk.E02, disk.002, disk-flat.vmdk: the image's name up to its
 * extension, any case); a link is judged by what it points to. */
const char *evidence_segment_conflict(const char *path, char *const *images, int n);

#endif /* DMAR_EVIDENCE_H */
