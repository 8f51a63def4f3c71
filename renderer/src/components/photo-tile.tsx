// One photo in a grid: its thumbnail, its name on hover (the title), and the round check mark that selects
// it. Every photo grid draws its tiles with this, so selection looks and behaves the same everywhere.
import { memo } from 'react';
import type { CSSProperties, MouseEvent, ReactNode } from 'react';
import type { PhotoSummary } from '../api/types';

export interface PhotoTileProps {
  photo: PhotoSummary | undefined;
  index: number;
  /** The element's id (a grid names its focused cell with aria-activedescendant). */
  id?: string;
  style: CSSProperties;
  thumbnailUrl(contentId: string): string;
  selected: boolean;
  focused: boolean;
  /** Something is selected: the check marks stay visible, so the user sees clicks toggle. */
  selecting: boolean;
  /** The hover text; the photo's name when not given. */
  title?: string;
  onClick(e: MouseEvent, index: number): void;
  onCheck(e: MouseEvent, index: number): void;
  /** A small label in the corner (Search's match scores, when the user asks for them). */
  badge?: string;
  /** Extra buttons shown on hover (e.g. "Similar"). */
  actions?: ReactNode;
}

/**
 * Drawn again only when a prop changes. A grid that scrolls re-renders often; with stable callbacks (and
 * `style` compared by its values, since grids build it inline) only the tiles that change are drawn.
 */
export const PhotoTile = memo(PhotoTileContent, sameTileProps);

function sameTileProps(a: PhotoTileProps, b: PhotoTileProps): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof PhotoTileProps>);
  for (const k of keys) {
    if (k === 'style' ? !sameStyle(a.style, b.style) : !Object.is(a[k], b[k])) return false;
  }
  return true;
}

function sameStyle(a: CSSProperties, b: CSSProperties): boolean {
  const ka = Object.keys(a) as Array<keyof CSSProperties>;
  return ka.length === Object.keys(b).length && ka.every((k) => Object.is(a[k], b[k]));
}

function PhotoTileContent(props: PhotoTileProps) {
  const { photo, index, style, selected, focused, selecting } = props;
  const classes = ['cell'];
  if (focused) classes.push('focused');
  if (selected) classes.push('selected');
  if (selecting) classes.push('selecting');
  return (
    <div
      role="gridcell"
      id={props.id}
      aria-selected={selected}
      className={classes.join(' ')}
      style={style}
      title={photo ? (props.title ?? photo.name) : undefined}
      data-testid="photo-cell"
      data-index={index}
      data-name={photo?.name ?? ''}
      data-id={photo?.id ?? ''}
      onClick={(e) => props.onClick(e, index)}
    >
      {photo ? (
        <>
          <img
            src={props.thumbnailUrl(photo.contentId)}
            alt={photo.name}
            loading="lazy"
            decoding="async"
            draggable={false}
          />
          <button
            type="button"
            className="cell-check"
            role="checkbox"
            aria-checked={selected}
            aria-label={`Select ${photo.name}`}
            tabIndex={-1}
            data-testid="photo-check"
            onClick={(e) => {
              e.stopPropagation();
              props.onCheck(e, index);
            }}
          >
            <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden>
              <path d="m5 12 5 5 9-10" fill="none" stroke="currentColor" strokeWidth="3" />
            </svg>
          </button>
          {props.badge && <span className="cell-score">{props.badge}</span>}
          {props.actions && <div className="cell-actions">{props.actions}</div>}
        </>
      ) : (
        <div className="cell-skeleton" />
      )}
    </div>
  );
}
