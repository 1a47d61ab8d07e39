import { Anchor, type AnchorProps } from '@mantine/core';
import { createLink, type LinkComponent } from '@tanstack/react-router';
import { forwardRef } from 'react';

type AnchorLinkBaseProps = AnchorProps & Omit<React.AnchorHTMLAttributes<HTMLAnchorElement>, 'color' | 'style'>;

const AnchorBase = forwardRef<HTMLAnchorElement, AnchorLinkBaseProps>((props, ref) => (
  <Anchor component="a" ref={ref} {...props} />
));

const CreatedAnchorLink = createLink(AnchorBase);

/** A Mantine Anchor that navigates with the router, with typed routes and search. */
export const AnchorLink: LinkComponent<typeof AnchorBase> = (props) => <CreatedAnchorLink preload={false} {...props} />;
