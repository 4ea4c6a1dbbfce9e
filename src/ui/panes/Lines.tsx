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
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      {lines.slice(0, height).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l}
        </Text>
      ))}
    </Box>
  );
});
