import { Box, Text } from 'ink';
import { memo } from 'react';

export interface LinesProps {
  /** pre-formatted rows, each exactly `width` columns */
  lines: readonly string[];
  width: number;
  height: number;
}

/**
 * A block of pre-formatted rows: one <Text> per row, no wrapping (rows are cut to width already),
 * so Ink does no measuring or wrapping work per frame beyond string widths.
 */
export const Lines = memo(function Lines({ lines, width, height }: LinesProps) {
  return (
    // no overflow clipping: rows are cut to width already and sliced to height here, and Ink's clipping
    // re-slices every styled row each frame (slice-ansi was ~5% of a busy screen's CPU)
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      {lines.slice(0, height).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l}
        </Text>
      ))}
    </Box>
  );
});
