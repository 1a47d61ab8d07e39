import { Anchor, type AnchorProps, Button, type ButtonProps } from '@mantine/core';
import { createLink, type LinkComponent } from '@tanstack/react-router';
import { forwardRef } from 'react';

type AnchorLinkBaseProps = AnchorProps & Omit<React.AnchorHTMLAttributes<HTMLAnchorElement>, 'color' | 'style'>;

const AnchorBase = forwardRef<HTMLAnchorElement, AnchorLinkBaseProps>((props, ref) => (
  <Anchor component="a" ref={ref} {...props} />
));

const CreatedAnchorLink = createLink(AnchorBase);

/** A Mantine Anchor that navigates with the router, with typed routes and search. */
export const AnchorLink: LinkComponent<typeof AnchorBase> = (props) => <CreatedAnchorLink preload={false} {...props} />;

type ButtonLinkBaseProps = ButtonProps & Omit<React.AnchorHTMLAttributes<HTMLAnchorElement>, 'color' | 'style'>;

const ButtonBase = forwardRef<HTMLAnchorElement, ButtonLinkBaseProps>((props, ref) => (
  <Button component="a" ref={ref} {...props} />
));

const CreatedButtonLink = createLink(ButtonBase);

/** A Mantine Button that navigates with the router, with typed routes and params. */
export const ButtonLink: LinkComponent<typeof ButtonBase> = (props) => <CreatedButtonLink preload={false} {...props} />;
